package photo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"
)

// exifOrientation6GPS is a little-endian TIFF structure: IFD0 with Orientation 6 and a GPS
// pointer, and a GPS IFD with latitude 39°57'N and longitude 116°18'E.
var exifOrientation6GPS = []byte("II*\x00\x08\x00\x00\x00" +
	"\x02\x00" + // IFD0: 2 entries
	"\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00" + // Orientation = 6
	"\x25\x88\x04\x00\x01\x00\x00\x00\x26\x00\x00\x00" + // GPS IFD at 38
	"\x00\x00\x00\x00" +
	"\x04\x00" + // GPS IFD: 4 entries
	"\x01\x00\x02\x00\x02\x00\x00\x00N\x00\x00\x00" +
	"\x02\x00\x05\x00\x03\x00\x00\x00\x5c\x00\x00\x00" + // latitude at 92
	"\x03\x00\x02\x00\x02\x00\x00\x00E\x00\x00\x00" +
	"\x04\x00\x05\x00\x03\x00\x00\x00\x74\x00\x00\x00" + // longitude at 116
	"\x00\x00\x00\x00" +
	"\x27\x00\x00\x00\x01\x00\x00\x00\x39\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00" +
	"\x74\x00\x00\x00\x01\x00\x00\x00\x12\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00")

func seedImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 5), uint8(x ^ y), uint8(128 + x)})
		}
	}
	return img
}

func seedJPEG(w, h int, exif []byte) []byte {
	var buf bytes.Buffer
	jpeg.Encode(&buf, seedImage(w, h), nil)
	data := buf.Bytes()
	if exif == nil {
		return data
	}
	payload := append([]byte("Exif\x00\x00"), exif...)
	seg := []byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	return append(append(append([]byte{0xff, 0xd8}, seg...), payload...), data[2:]...)
}

func TestParseExif_OrientationAndGPS(t *testing.T) {
	x := ParseExif(exifOrientation6GPS)
	if x.Orientation != 6 || !x.HasGPS || x.Lat < 39.94 || x.Lat > 39.96 || x.Lon < 116.29 || x.Lon > 116.31 {
		t.Fatalf("%+v", x)
	}
}

// FuzzPipeline feeds arbitrary bytes to the whole decode path: sniffing, the structure walk,
// the header checks, EXIF, the scaled decode, resizing and encoding. Nothing may panic or
// hang; what is accepted yields a preview and a thumbnail that decode, within their sizes.
//
//	go test ./internal/blobs/photo -run '^$' -fuzz FuzzPipeline -fuzztime 5m
func FuzzPipeline(f *testing.F) {
	cfg := DefaultLimits()
	// Small images keep each exec in milliseconds: the fuzzer likes to raise declared sizes,
	// and a few megapixels would make most execs slow decodes. The limits are tested elsewhere.
	cfg.MaxPixels = 1 << 18
	p := NewPipeline(cfg)
	var pngSeed bytes.Buffer
	png.Encode(&pngSeed, seedImage(33, 17))
	f.Add(seedJPEG(64, 48, nil))
	f.Add(seedJPEG(40, 30, exifOrientation6GPS))
	f.Add(pngSeed.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a failure with its input, not a stuck worker.
		timer := time.AfterFunc(10*time.Second, func() { panic("pipeline took over 10s") })
		res, err := p.Process(context.Background(), data)
		timer.Stop()
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
	})
}

// FuzzParseExif: no TIFF structure makes the EXIF reader panic or return values out of range.
func FuzzParseExif(f *testing.F) {
	f.Add(exifOrientation6GPS)
	f.Fuzz(func(t *testing.T, data []byte) {
		x := ParseExif(data)
		if x.Orientation < 1 || x.Orientation > 8 || x.Lat < -90 || x.Lat > 90 || x.Lon < -180 || x.Lon > 180 {
			t.Fatalf("%+v", x)
		}
	})
}
