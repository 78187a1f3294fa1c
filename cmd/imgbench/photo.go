package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// phoneJPEG makes a w×h JPEG with the entropy of a phone photo: large soft shapes over a
// gradient, fine texture and sensor noise, at quality 92 with 4:2:0 chroma (what phone cameras
// write), and a minimal EXIF segment (orientation 1). At 4000×3000 it is about 4.8 MB, like a
// 12-megapixel phone photo of a detailed scene. The seed is fixed, so every run measures the
// same bytes.
func phoneJPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	type disc struct{ x, y, rad, cr, cg, cb float64 }
	discs := make([]disc, 8)
	for i := range discs {
		discs[i] = disc{r.Float64() * float64(w), r.Float64() * float64(h), 50 + r.Float64()*600,
			r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	}
	for y := range h {
		for x := range w {
			fx, fy := float64(x), float64(y)
			c := [3]float64{90 + 60*fy/float64(h), 110 + 40*fx/float64(w), 130}
			for _, d := range discs {
				if dx, dy := fx-d.x, fy-d.y; dx*dx+dy*dy < d.rad*d.rad {
					c = [3]float64{d.cr, d.cg, d.cb}
				}
			}
			texture := 18 * math.Sin(fx/7.3+math.Sin(fy/31)) * math.Cos(fy/5.1)
			noise := r.NormFloat64() * 9
			i := img.PixOffset(x, y)
			for k := range 3 {
				img.Pix[i+k] = uint8(max(0, min(255, c[k]+texture+noise)))
			}
			img.Pix[i+3] = 255
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92})
	// APP1 "Exif": a little-endian TIFF header and IFD0 holding Orientation = 1.
	exif := []byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00")
	seg := append([]byte{0xff, 0xe1, 0, byte(len(exif) + 2)}, exif...)
	out := append([]byte{0xff, 0xd8}, seg...)
	return append(out, buf.Bytes()[2:]...)
}
