package blobs_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"testing"

	"github.com/haidian/fieldsync/internal/blobs"
)

// FuzzPipeline feeds arbitrary bytes to the whole decode path: sniffing, the structure walk,
// the header checks, EXIF, the scaled decode, resizing and encoding. Nothing may panic or
// hang; what is accepted yields a preview and a thumbnail that decode, within their sizes.
//
//	go test ./internal/blobs -run '^$' -fuzz FuzzPipeline -fuzztime 5m
func FuzzPipeline(f *testing.F) {
	cfg := blobs.DefaultConfig()
	cfg.MaxPixels = 4_000_000 // keeps each exec fast; the limits are tested elsewhere
	p := blobs.NewPipeline(cfg)
	f.Add(encodeJPEG(f, picture(64, 48)))
	f.Add(withAPP1(encodeJPEG(f, picture(40, 30)), exifTIFF(beijingGPS)))
	f.Add(withAPP1(encodeJPEG(f, picture(30, 40)), exifTIFF(exifSpec{orientation: 6})))
	f.Add(encodePNG(f, picture(33, 17)))
	f.Add(pngDeclaring(f, 300, 200, 16, 6, 200))
	f.Add(jpegDeclaring(f, 3000, 2000))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := p.Process(context.Background(), data)
		if err != nil {
			return
		}
		for _, v := range []struct {
			data []byte
			max  int
		}{{res.Preview, cfg.PreviewSize}, {res.Thumb, cfg.ThumbSize}} {
			c, err := jpeg.DecodeConfig(bytes.NewReader(v.data))
			if err != nil || c.Width > v.max || c.Height > v.max || c.Width == 0 || c.Height == 0 {
				t.Fatalf("derived image %dx%d (%v), limit %d", c.Width, c.Height, err, v.max)
			}
		}
		if res.Width <= 0 || res.Height <= 0 {
			t.Fatalf("accepted with size %dx%d", res.Width, res.Height)
		}
	})
}
