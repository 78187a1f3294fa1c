package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
)

// post sends body as JSON to path and decodes a 200 answer into out. Any other answer becomes
// a *ServerError, or a *gapError for a push's mid gap.
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.cfg.BaseURL, "/")+path, bytes.NewReader(data))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	// A first download is megabytes of JSON: the server compresses pull answers with zstd,
	// about a tenth of their size, when asked. Naming the codings here turns off the
	// transport's own gzip handling, so decompress reads both.
	req.Header.Set("Accept-Encoding", "zstd, gzip")
	req.Header.Set("X-Fieldsync-Client", c.id) // lets the server refuse a revoked phone anywhere
	token := c.cfg.Token
	if c.cfg.TokenFunc != nil {
		if token, err = c.cfg.TokenFunc(ctx); err != nil {
			return fmt.Errorf("token: %w", err)
		}
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := decompress(res)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return answerError(res.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// gapError is the server's answer to a push whose mids skip ahead of what it has applied.
type gapError struct {
	Expected int64
	Results  []Result // the outcomes of the mutations before the gap
}

func (g *gapError) Error() string { return fmt.Sprintf("mid gap: server expects mid %d", g.Expected) }

func answerError(status int, raw []byte) error {
	var body errorBody
	if err := json.Unmarshal(raw, &body); err != nil || body.Code == "" {
		return &ServerError{Status: status, Code: "http_" + fmt.Sprint(status), Message: string(raw)}
	}
	if body.Code == "mid_gap" {
		return &gapError{Expected: body.ExpectedMID, Results: body.Results}
	}
	return &ServerError{Status: status, Code: body.Code, Message: body.Message,
		RetryAfter: time.Duration(body.Data.RetryAfter) * time.Second}
}

// decompress reads the body of res as its Content-Encoding says.
func decompress(res *http.Response) ([]byte, error) {
	switch coding := res.Header.Get("Content-Encoding"); coding {
	case "":
		return io.ReadAll(res.Body)
	case "gzip":
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "zstd":
		zr, err := zstd.NewReader(res.Body, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(zr)
	default:
		return nil, fmt.Errorf("unknown Content-Encoding %q", coding)
	}
}
