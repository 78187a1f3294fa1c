package blobs_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"
)

// Test images are made in code: a landscape picture whose top-left quadrant is red, so that
// orientation can be checked, with hand-made EXIF segments.

// picture returns a w×h image, red in its top-left quadrant and blue-grey with a gradient
// elsewhere.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{40, uint8(60 + 120*x/w), 200, 255}
			if x < w/2 && y < h/2 {
				c = color.RGBA{230, 20, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withAPP1 inserts an APP1 segment holding "Exif\0\0" + tiff right after the SOI marker.
func withAPP1(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// exifSpec is what an EXIF segment made by exifTIFF says.
type exifSpec struct {
	orientation int    // 0: no tag
	taken       string // "2006:01:02 15:04:05", or ""
	lat, lon    float64
	gps         bool
}

// tiffEntry is an IFD entry under construction; data longer than 4 bytes goes out of line.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte
}

// exifTIFF builds a little-endian TIFF structure: IFD0 (orientation, pointers), the Exif IFD
// (DateTimeOriginal) and the GPS IFD.
func exifTIFF(s exifSpec) []byte {
	le := binary.LittleEndian
	short := func(v int) []byte { b := make([]byte, 2); le.PutUint16(b, uint16(v)); return b }
	long := func(v int) []byte { b := make([]byte, 4); le.PutUint32(b, uint32(v)); return b }
	dms := func(deg float64) []byte {
		deg = math.Abs(deg)
		d := math.Floor(deg)
		m := math.Floor((deg - d) * 60)
		sec := (deg - d - m/60) * 3600
		var b []byte
		for _, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(math.Round(sec * 1000)), 1000}} {
			b = append(b, long(int(r[0]))...)
			b = append(b, long(int(r[1]))...)
		}
		return b
	}
	ascii := func(s string) []byte { return append([]byte(s), 0) }

	var exifIFD, gpsIFD []tiffEntry
	if s.taken != "" {
		exifIFD = append(exifIFD, tiffEntry{0x9003, 2, uint32(len(s.taken) + 1), ascii(s.taken)})
	}
	if s.gps {
		ns, ew := "N", "E"
		if s.lat < 0 {
			ns = "S"
		}
		if s.lon < 0 {
			ew = "W"
		}
		gpsIFD = []tiffEntry{{1, 2, 2, ascii(ns)}, {2, 5, 3, dms(s.lat)}, {3, 2, 2, ascii(ew)}, {4, 5, 3, dms(s.lon)}}
	}
	// Layout: header (8), IFD0, Exif IFD, GPS IFD, then out-of-line data.
	ifdSize := func(n int) int { return 2 + 12*n + 4 }
	n0 := 0
	if s.orientation != 0 {
		n0++
	}
	if exifIFD != nil {
		n0++
	}
	if gpsIFD != nil {
		n0++
	}
	exifAt := 8 + ifdSize(n0)
	gpsAt := exifAt + ifdSize(len(exifIFD))
	dataAt := gpsAt + ifdSize(len(gpsIFD))
	var ifd0 []tiffEntry
	if s.orientation != 0 {
		ifd0 = append(ifd0, tiffEntry{0x0112, 3, 1, short(s.orientation)})
	}
	if exifIFD != nil {
		ifd0 = append(ifd0, tiffEntry{0x8769, 4, 1, long(exifAt)})
	}
	if gpsIFD != nil {
		ifd0 = append(ifd0, tiffEntry{0x8825, 4, 1, long(gpsAt)})
	}
	out := []byte("II*\x00")
	out = append(out, long(8)...)
	var extra []byte
	writeIFD := func(entries []tiffEntry) {
		out = append(out, short(len(entries))...)
		for _, e := range entries {
			out = append(out, short(int(e.tag))...)
			out = append(out, short(int(e.typ))...)
			out = append(out, long(int(e.count))...)
			if len(e.data) <= 4 {
				out = append(out, append(e.data, make([]byte, 4-len(e.data))...)...)
				continue
			}
			out = append(out, long(dataAt+len(extra))...)
			extra = append(extra, e.data...)
		}
		out = append(out, long(0)...)
	}
	writeIFD(ifd0)
	writeIFD(exifIFD)
	writeIFD(gpsIFD)
	return append(out, extra...)
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// pngDeclaring is a well-formed PNG whose header declares w×h pixels of the given depth and
// colour type, and whose data is rows of zeros, compressed: a pixel flood when w×h is large, a
// decompression bomb when the rows really are all there (rows limits how many are).
func pngDeclaring(t testing.TB, w, h int, depth, colour byte, rows int) []byte {
	t.Helper()
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, depth, colour, 0, 0, 0)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	bpp := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[colour] * int(depth) / 8
	row := make([]byte, 1+w*bpp)
	for range rows {
		if _, err := zw.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", z.Bytes())...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegDeclaring is a small valid JPEG whose frame header is patched to declare w×h.
func jpegDeclaring(t testing.TB, w, h int) []byte {
	t.Helper()
	data := encodeJPEG(t, picture(64, 48))
	for i := 2; i+9 < len(data); {
		if data[i] != 0xff {
			t.Fatal("no marker")
		}
		marker := data[i+1]
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if marker == 0xc0 {
			binary.BigEndian.PutUint16(data[i+5:], uint16(h))
			binary.BigEndian.PutUint16(data[i+7:], uint16(w))
			return data
		}
		i += 2 + n
	}
	t.Fatal("no SOF0")
	return nil
}
