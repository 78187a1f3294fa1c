package scaledjpeg

import (
	"image"
	"io"
	"math"
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

// idct4Table and idct2Table hold, for a reduced inverse DCT of s points, c(u)/2·cos((2x+1)uπ/2s)
// at [x*s+u]. Evaluating the 8-point transform's s lowest frequencies at s points samples the
// block's band-limited signal at the centre of each output pixel's s/8-wide footprint, the
// scaled IDCT of libjpeg's jidctint.c; the 8-point normalisation keeps the DC level.
var (
	idct4Table = idctTable(4)
	idct2Table = idctTable(2)
)

func idctTable(s int) (t [16]float32) {
	for x := range s {
		for u := range s {
			c := 1.0
			if u == 0 {
				c = 1 / math.Sqrt2
			}
			t[x*s+u] = float32(c / 2 * math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*s)))
		}
	}
	return t
}

// idctScaled dequantizes the s×s lowest coefficients of b (in natural order) with qt (in
// zig-zag order) and leaves their s×s inverse DCT, level shift excepted, in b[:s*s], s to a row.
// Coefficients a hostile file makes huge give garbage pixels, never a crash: float32 does not
// wrap and the result is clamped before it is converted.
func idctScaled(b *block, qt *block, s int) {
	switch s {
	case 1:
		b[0] = roundClamp(float32(b[0]) * float32(qt[0]) / 8)
	case 2:
		idctN(b, qt, &idct2Table, 2)
	default:
		idctN(b, qt, &idct4Table, 4)
	}
}

func idctN(b *block, qt *block, t *[16]float32, s int) {
	var f, tmp [16]float32
	for v := range s {
		for u := range s {
			f[v*s+u] = float32(b[8*v+u]) * float32(qt[zig[8*v+u]])
		}
	}
	// Rows: tmp[v][x] = Σu T[x][u]·F[v][u].
	for v := range s {
		for x := range s {
			var acc float32
			for u := range s {
				acc += t[x*s+u] * f[v*s+u]
			}
			tmp[v*s+x] = acc
		}
	}
	// Columns: g[y][x] = Σv T[y][v]·tmp[v][x].
	for y := range s {
		for x := range s {
			var acc float32
			for v := range s {
				acc += t[y*s+v] * tmp[v*s+x]
			}
			b[y*s+x] = roundClamp(acc)
		}
	}
}

// roundClamp rounds v to the nearest integer, clamped to ±4096, beyond any sample after the
// level shift, so the conversion is defined for any input.
func roundClamp(v float32) int32 {
	v = min(max(v, -4096), 4096)
	return int32(v+4096.5) - 4096
}
