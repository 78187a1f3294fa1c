// Package photo is the image pipeline of the blob store: it reads an image's structure and
// header before anything else and refuses what it will not decode, reads EXIF, and makes the
// preview and thumbnail from one decode, bounded in number and memory. It knows nothing of
// PocketBase, so the benchmark (cmd/imgbench) measures exactly this code.
package photo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"time"

	"github.com/disintegration/imaging"

	"github.com/haidian/fieldsync/internal/blobs/scaledjpeg"
)

// Pipeline turns image bytes into their derived images: a header-first check, then one decode
// per image, bounded in number and in memory, at the smallest scale that still covers the
// preview.
type Pipeline struct {
	cfg   Limits
	slots chan struct{}
}

// Limits are the pipeline's bounds. The defaults suit phone photos on the project's
// two-core, 24 GB machines.
type Limits struct {
	// MaxPixels is the pixel budget read from the header: larger images are refused before
	// any decoding (pixel floods, decompression bombs).
	MaxPixels int64
	// MaxDecodeBytes bounds the memory one decode may need, estimated from the header: a
	// progressive JPEG keeps all its coefficients, a PNG decodes at full size.
	MaxDecodeBytes int64
	// Decoders is how many decodes may run at once; others wait up to DecodeWait, then fail
	// with ErrBusy.
	Decoders   int
	DecodeWait time.Duration
	// PreviewSize and ThumbSize are the long edges of the derived images.
	PreviewSize, ThumbSize int
}

// DefaultLimits returns the production limits.
func DefaultLimits() Limits {
	return Limits{
		MaxPixels:      50_000_000, // a 48-megapixel phone sensor at full resolution
		MaxDecodeBytes: 160 << 20,
		Decoders:       2,
		DecodeWait:     30 * time.Second,
		PreviewSize:    1600,
		ThumbSize:      320,
	}
}

// NewPipeline returns a pipeline with the given limits.
func NewPipeline(cfg Limits) *Pipeline {
	return &Pipeline{cfg: cfg, slots: make(chan struct{}, max(cfg.Decoders, 1))}
}

// Result is what one pass of the pipeline made.
type Result struct {
	Header        Header
	Exif          Exif
	Width, Height int // upright
	// Preview and Thumb are re-encoded JPEGs: upright, sRGB as decoded, with no metadata at
	// all (Go's encoder writes none), and nothing of the source past its pixels.
	Preview, Thumb []byte
	// Timings of the steps, for the benchmark.
	Decode, Resize, Encode time.Duration
}

// Check reads data's structure and header and refuses, without decoding a pixel, anything
// the pipeline would not decode: other formats, truncated files, images over the pixel budget
// or whose decode would need more memory than allowed.
func (p *Pipeline) Check(data []byte) (Header, error) {
	h, err := inspect(data)
	if err != nil {
		return h, err
	}
	// The decoder's own reading of the header must agree with the walk.
	cfg, err := decodeConfig(h.Format, data)
	if err != nil {
		return h, ErrCorrupt.Wrap(err)
	}
	if cfg.Width != h.Width || cfg.Height != h.Height {
		return h, ErrCorrupt.Wrap(fmt.Errorf("header says %dx%d, decoder %dx%d", h.Width, h.Height, cfg.Width, cfg.Height))
	}
	if h.Pixels() > p.cfg.MaxPixels {
		return h, ErrTooManyPixels.Wrap(fmt.Errorf("%dx%d", h.Width, h.Height))
	}
	if c := h.decodeCost(p.scale(h), p.cfg.PreviewSize); c > p.cfg.MaxDecodeBytes {
		return h, ErrDecodeCost.Wrap(fmt.Errorf("%dx%d needs about %d MiB", h.Width, h.Height, c>>20))
	}
	return h, nil
}

func decodeConfig(f Format, data []byte) (image.Config, error) {
	if f == PNG {
		return png.DecodeConfig(bytes.NewReader(data))
	}
	return scaledjpeg.DecodeConfig(bytes.NewReader(data))
}

// scale is the block size a JPEG is decoded at: the smallest that still covers the preview.
func (p *Pipeline) scale(h Header) int {
	if h.Format != JPEG {
		return 8
	}
	return scaledjpeg.SizeFor(h.Width, h.Height, p.cfg.PreviewSize, p.cfg.PreviewSize)
}

// Process checks data, reads its EXIF and makes the preview and thumbnail from one decode.
// It waits for a decode slot until ctx ends or the configured wait passes (ErrBusy). A panic in
// a decoder is a corrupt image, not a crash.
func (p *Pipeline) Process(ctx context.Context, data []byte) (*Result, error) {
	h, err := p.Check(data)
	if err != nil {
		return nil, err
	}
	res := &Result{Header: h, Exif: Exif{Orientation: 1}}
	if h.Exif != nil {
		res.Exif = ParseExif(h.Exif)
	}
	release, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	t0 := time.Now()
	img, err := p.decode(h, data)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	preview, thumb := p.derive(img, h, res.Exif.Orientation)
	img = nil // the decoded image can go before encoding
	t2 := time.Now()
	if res.Preview, err = encodeJPEG(preview, 82); err == nil {
		res.Thumb, err = encodeJPEG(thumb, 78)
	}
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	res.Width, res.Height = uprightSize(h.Width, h.Height, res.Exif.Orientation)
	res.Decode, res.Resize, res.Encode = t1.Sub(t0), t2.Sub(t1), time.Since(t2)
	return res, nil
}

func (p *Pipeline) acquire(ctx context.Context) (func(), error) {
	timer := time.NewTimer(p.cfg.DecodeWait)
	defer timer.Stop()
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ErrBusy.Wrap(ctx.Err())
	}
}

func (p *Pipeline) decode(h Header, data []byte) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, ErrCorrupt.Wrap(fmt.Errorf("decoder panicked: %v", r))
		}
	}()
	if h.Format == PNG {
		img, err = png.Decode(bytes.NewReader(data[:h.End]))
	} else {
		img, err = scaledjpeg.DecodeScaled(bytes.NewReader(data[:h.End]), p.scale(h))
	}
	if err != nil {
		return nil, ErrCorrupt.Wrap(err)
	}
	return img, nil
}

// derive makes the preview and the thumbnail: the preview fitted from the decoded image, the
// thumbnail from the preview (a fifth of its size, so it costs little), both turned upright
// after resizing, when there are fewer pixels to move, and flattened on white if they have
// transparency.
func (p *Pipeline) derive(img image.Image, h Header, orientation int) (preview, thumb *image.NRGBA) {
	preview = fitWith(img, p.cfg.PreviewSize, imaging.CatmullRom)
	thumb = fitWith(preview, p.cfg.ThumbSize, imaging.Linear)
	preview, thumb = orient(preview, orientation), orient(thumb, orientation)
	if h.Alpha {
		flatten(preview)
		flatten(thumb)
	}
	return preview, thumb
}

// fit scales img down so that its long edge is at most size, with Lanczos; a smaller image is
// only copied.
func fitWith(img image.Image, size int, filter imaging.ResampleFilter) *image.NRGBA {
	b := img.Bounds()
	if b.Dx() <= size && b.Dy() <= size {
		return imaging.Clone(img)
	}
	return imaging.Fit(img, size, size, filter)
}

// orient applies an EXIF orientation (1 to 8), as a camera asks a viewer to.
func orient(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// uprightSize is w×h after orientation o: orientations 5 to 8 swap the axes.
func uprightSize(w, h, o int) (int, int) {
	if o >= 5 && o <= 8 {
		return h, w
	}
	return w, h
}

// flatten composes img over white, leaving it opaque.
func flatten(img *image.NRGBA) {
	for i := 0; i+3 < len(img.Pix); i += 4 {
		a := uint32(img.Pix[i+3])
		for c := range 3 {
			img.Pix[i+c] = uint8((uint32(img.Pix[i+c])*a + 255*(255-a) + 127) / 255)
		}
		img.Pix[i+3] = 255
	}
}

// encodeJPEG encodes an opaque image. It hands the encoder the same pixels as an *image.RGBA
// (identical bytes when every alpha is 255), which the encoder converts without a call per
// pixel; for *image.NRGBA it would take the generic path, several times slower.
func encodeJPEG(img *image.NRGBA, quality int) ([]byte, error) {
	var buf bytes.Buffer
	rgba := &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: img.Rect}
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
