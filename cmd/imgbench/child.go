package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"os"
	"time"

	"github.com/disintegration/imaging"

	"github.com/haidian/fieldsync/internal/blobs/photo"
)

// stages is the time per photo of each step, as a child reports it (milliseconds).
type stages struct {
	Decode, Resize, Encode float64
}

// runChild makes the preview and thumbnail of in n times with one pipeline and prints its
// stages as JSON.
func runChild(kind, in string, n int) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var total stages
	for range n {
		var s stages
		switch kind {
		case "blobs":
			s, err = viaBlobs(data)
		case "naive":
			s, err = naive(data)
		default:
			return fmt.Errorf("unknown contender %q", kind)
		}
		if err != nil {
			return err
		}
		total.Decode += s.Decode / float64(n)
		total.Resize += s.Resize / float64(n)
		total.Encode += s.Encode / float64(n)
	}
	return json.NewEncoder(os.Stdout).Encode(total)
}

// viaBlobs runs the server's own pipeline: header checks, EXIF, one decode at the DCT scale
// that covers 1600 px, Lanczos to 1600 and from there to 320, orientation, encoding.
func viaBlobs(data []byte) (stages, error) {
	res, err := photo.NewPipeline(photo.DefaultLimits()).Process(context.Background(), data)
	if err != nil {
		return stages{}, err
	}
	return stages{Decode: msOf(res.Decode), Resize: msOf(res.Resize), Encode: msOf(res.Encode)}, nil
}

// naive is the straightforward pipeline: image/jpeg at full size, auto-orientation, Lanczos
// fit to 1600 then to 320, encoding of imaging's NRGBA images.
func naive(data []byte) (stages, error) {
	t0 := time.Now()
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return stages{}, err
	}
	t1 := time.Now()
	preview := imaging.Fit(img, 1600, 1600, imaging.Lanczos)
	thumb := imaging.Fit(preview, 320, 320, imaging.Lanczos)
	t2 := time.Now()
	var a, b bytes.Buffer
	if err := jpeg.Encode(&a, preview, &jpeg.Options{Quality: 82}); err != nil {
		return stages{}, err
	}
	if err := jpeg.Encode(&b, thumb, &jpeg.Options{Quality: 78}); err != nil {
		return stages{}, err
	}
	return stages{Decode: msOf(t1.Sub(t0)), Resize: msOf(t2.Sub(t1)), Encode: msOf(time.Since(t2))}, nil
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
