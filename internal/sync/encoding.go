package sync

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	stdsync "sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pocketbase/pocketbase/core"
)

// A first download sends megabytes of JSON, which compresses to a tenth of its size: a pull
// answer is compressed when the client asks for it with Accept-Encoding (zstd preferred, then
// gzip) and it is larger than one network packet. A client that asks for neither, as phones
// already in the field may, gets the same JSON as before, uncompressed. Both codecs run at
// their fastest level: on the phones' networks the bytes matter, on the server the CPU.

// compressMin is the size below which compressing saves no packet.
const compressMin = 1400

var (
	// zstdEncoder is shared: EncodeAll is safe for concurrent use.
	zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	gzipWriters    = stdsync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return w
	}}
	jsonBuffers = stdsync.Pool{New: func() any { return new([]byte) }}
	gzipBuffers = stdsync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// Content codings of a pull answer.
const (
	codingZstd     = "zstd"
	codingGzip     = "gzip"
	codingIdentity = ""
)

// acceptedCoding picks the coding of an answer from the request's Accept-Encoding: zstd if
// accepted, else gzip, else none. A coding listed with q=0 is refused, as RFC 9110 says.
func acceptedCoding(header string) string {
	accepts := map[string]bool{}
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		accepts[name] = q > 0
	}
	switch {
	case accepts[codingZstd]:
		return codingZstd
	case accepts[codingGzip]:
		return codingGzip
	}
	return codingIdentity
}

// writePull answers e with res as JSON, compressed as the client accepts.
func writePull(e *core.RequestEvent, status int, res *PullResponse) error {
	bp := jsonBuffers.Get().(*[]byte)
	n := 0
	for _, sr := range res.Scopes {
		n += len(sr.Changes)
	}
	// Room for the usual record up front: growing a first page's 2 MB by doubling copied it
	// over and over.
	doc, err := res.appendJSON(slices.Grow((*bp)[:0], 256+640*n))
	if err != nil {
		return err
	}
	defer func() {
		*bp = doc[:0] // the grown array serves the next answer
		jsonBuffers.Put(bp)
	}()
	body := doc
	h := e.Response.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Type", "application/json")
	coding := codingIdentity
	if len(body) >= compressMin {
		coding = acceptedCoding(e.Request.Header.Get("Accept-Encoding"))
	}
	switch coding {
	case codingZstd:
		body = zstdEncoder.EncodeAll(body, make([]byte, 0, len(body)/4))
	case codingGzip:
		out := gzipBuffers.Get().(*bytes.Buffer)
		out.Reset()
		defer gzipBuffers.Put(out)
		w := gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(w)
		w.Reset(out)
		if _, err := w.Write(body); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		body = out.Bytes()
	}
	if coding != codingIdentity {
		h.Set("Content-Encoding", coding)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	e.Response.WriteHeader(status)
	_, err = e.Response.Write(body)
	return err
}
