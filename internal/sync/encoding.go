package sync

import (
	"bytes"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
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
	bodyBuffers = stdsync.Pool{New: func() any { return new(bytes.Buffer) }}
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

// writeCompressed answers e with v as JSON, compressed as the client accepts.
func writeCompressed(e *core.RequestEvent, status int, v any) error {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer bodyBuffers.Put(buf)
	// The options of PocketBase's e.JSON, so that stored text that is not valid UTF-8 is sent
	// as REST sends it rather than failing the pull.
	if err := jsonv2.MarshalWrite(buf, v, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)); err != nil {
		return err
	}
	h := e.Response.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Type", "application/json")
	body := buf.Bytes()
	coding := codingIdentity
	if len(body) >= compressMin {
		coding = acceptedCoding(e.Request.Header.Get("Accept-Encoding"))
	}
	switch coding {
	case codingZstd:
		body = zstdEncoder.EncodeAll(body, make([]byte, 0, len(body)/4))
	case codingGzip:
		out := bodyBuffers.Get().(*bytes.Buffer)
		out.Reset()
		defer bodyBuffers.Put(out)
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
	_, err := e.Response.Write(body)
	return err
}
