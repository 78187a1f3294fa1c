package scaledjpeg

import (
	"image"
	"io"
)

// DecodeScaled reads a JPEG image from r and returns it decoded at size/8 of its width and
// height, rounded up: size is 8 (full size), 4 (half), 2 (quarter) or 1 (an eighth). Any other
// size is an error. Progressive images are scaled too, but they keep all their coefficients
// in memory until the last scan, as the full-size decoder does.
func DecodeScaled(r io.Reader, size int) (image.Image, error) {
	switch size {
	case 1, 2, 4, 8:
	default:
		return nil, UnsupportedError("scale")
	}
	d := decoder{scale: size}
	return d.decode(r, false)
}

// SizeFor returns the smallest block size (1, 2, 4 or 8) at which an image of w×h decodes to
// at least minW wide or minH high, so that a fit into minW×minH never upsamples.
func SizeFor(w, h, minW, minH int) int {
	for _, s := range []int{1, 2, 4} {
		if scaledSize(w, s) >= minW || scaledSize(h, s) >= minH {
			return s
		}
	}
	return 8
}

// ScaledBounds returns the size of an image of w×h decoded at block size s.
func ScaledBounds(w, h, s int) (int, int) { return scaledSize(w, s), scaledSize(h, s) }

// zig maps a natural-order coefficient index to its zig-zag index, the inverse of unzig.
var zig = func() (z [blockSize]int) {
	for i, n := range unzig {
		z[n] = i
	}
	return z
}()

// scaledSize is n pixels decoded at block size s, rounded up as libjpeg does.
func scaledSize(n, s int) int { return (n*s + 7) / 8 }

// The reduced inverse DCTs evaluate the 8-point transform's s lowest frequencies at s
// points: that samples the block's band-limited signal at the centre of each output pixel's
// 8/s-wide footprint, as libjpeg's scaled IDCTs (jidctint.c) do, and the 8-point
// normalisation keeps the DC level. In one dimension, for 4 points, with
// T[x][u] = c(u)/2·cos((2x+1)uπ/8), an even/odd split needs six multiplications:
//
//	e0 = A(F0+F2)  e1 = A(F0−F2)  o0 = C1·F1 + C3·F3  o1 = C3·F1 − C1·F3
//	f0 = e0+o0     f1 = e1+o1     f2 = e1−o1          f3 = e0−o0
//
// with A = 1/(2√2), C1 = cos(π/8)/2, C3 = cos(3π/8)/2, here in 13-bit fixed point.
const (
	fixA  = 2896 // 0.353553 · 8192
	fixC1 = 3784 // 0.461940 · 8192
	fixC3 = 1567 // 0.191342 · 8192
)

// idctScaled dequantizes the s×s lowest coefficients of b (in natural order) with qt (in
// zig-zag order) and leaves their s×s inverse DCT, level shift excepted, in b[:s*s], s to a row.
// Like the standard library's IDCT it computes in wrapping int32: coefficients a hostile file
// makes huge give garbage pixels, never a crash; the caller clamps every sample.
func idctScaled(b *block, qt *block, s int) {
	switch s {
	case 1:
		b[0] = descale(b[0]*qt[0], 3)
	case 2:
		idct2(b, qt)
	default:
		idct4(b, qt)
	}
}

// descale divides x by 2^n, rounding to nearest.
func descale(x int32, n uint) int32 { return (x + 1<<(n-1)) >> n }

func idct2(b *block, qt *block) {
	f0, f1 := b[0]*qt[0], b[1]*qt[zig[1]]
	f8, f9 := b[8]*qt[zig[8]], b[9]*qt[zig[9]]
	// Rows then columns; A·A = 1/8.
	r0, r1 := f0+f1, f0-f1
	r8, r9 := f8+f9, f8-f9
	b[0], b[1] = descale(r0+r8, 3), descale(r1+r9, 3)
	b[2], b[3] = descale(r0-r8, 3), descale(r1-r9, 3)
}

func idct4(b *block, qt *block) {
	// Dequantize the 4×4 corner; a block with no AC there is flat.
	var f [16]int32
	ac := int32(0)
	for v := range 4 {
		for u := range 4 {
			c := b[8*v+u] * qt[zig[8*v+u]]
			f[4*v+u] = c
			if v|u != 0 {
				ac |= c
			}
		}
	}
	if ac == 0 {
		dc := descale(f[0], 3)
		for i := range 16 {
			b[i] = dc
		}
		return
	}
	// Rows: keep 2 fractional bits (13 + 13 − 11 − 15 = 0 overall).
	var t [16]int32
	for v := range 4 {
		r := f[4*v : 4*v+4 : 4*v+4]
		e0, e1 := fixA*(r[0]+r[2]), fixA*(r[0]-r[2])
		o0, o1 := fixC1*r[1]+fixC3*r[3], fixC3*r[1]-fixC1*r[3]
		t[4*v+0] = descale(e0+o0, 11)
		t[4*v+1] = descale(e1+o1, 11)
		t[4*v+2] = descale(e1-o1, 11)
		t[4*v+3] = descale(e0-o0, 11)
	}
	// Columns.
	for x := range 4 {
		e0, e1 := fixA*(t[x]+t[8+x]), fixA*(t[x]-t[8+x])
		o0, o1 := fixC1*t[4+x]+fixC3*t[12+x], fixC3*t[4+x]-fixC1*t[12+x]
		b[x] = descale(e0+o0, 15)
		b[4+x] = descale(e1+o1, 15)
		b[8+x] = descale(e1-o1, 15)
		b[12+x] = descale(e0-o0, 15)
	}
}
