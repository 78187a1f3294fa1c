package photo

import (
	"bytes"
	"encoding/binary"
)

// Format is an accepted image format, named by its media type.
//
// JPEG and PNG only. HEIC is refused: no pure-Go decoder exists (libheif through cgo would be
// the one native dependency of the server, with HEVC's patent terms), and phones hand JPEG to
// apps that ask for it (iOS converts on export, Android cameras write JPEG). WebP is refused
// too, though golang.org/x/image/webp is pure Go: no phone camera writes it, it cannot be
// decoded at a reduced scale, and each accepted format is one more parser facing hostile
// input. sniff names both, so their refusal says what they are.
type Format string

// The accepted formats.
const (
	JPEG Format = "image/jpeg"
	PNG  Format = "image/png"
)

// Sniff names the format of data from its magic bytes, the only thing that decides it: file
// names and declared types are the client's word.
func Sniff(data []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return JPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "", ErrFormat.Wrap(errString("webp"))
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return "", ErrFormat.Wrap(errString("iso media (heic/avif): " + string(data[8:12])))
	}
	return "", ErrFormat
}

// Header is what the pipeline learns from a file's structure before decoding any pixel.
type Header struct {
	Format        Format
	Width, Height int // as stored, before EXIF orientation
	Progressive   bool
	Scans         int
	// Samples is the number of samples of all components at full size (3 per pixel for
	// 4:4:4, 1.5 for 4:2:0).
	Samples int64
	Alpha   bool
	// BytesPerPixel is what a PNG decodes to (1 to 8).
	BytesPerPixel int
	Interlaced    bool
	Exif          []byte // the TIFF payload of the first APP1 Exif segment, if any
	End           int    // the offset just past the end marker (EOI, IEND)
}

// maxScans bounds the scans of a progressive JPEG: each rereads the image's coefficients, so a
// file of thousands of tiny scans costs time out of proportion to its size. Encoders write
// about ten.
const maxScans = 100

// inspect walks data's structure (segments or chunks, not pixels), refusing truncated,
// malformed and unsupported files before a decoder sees them.
func inspect(data []byte) (Header, error) {
	f, err := Sniff(data)
	if err != nil {
		return Header{}, err
	}
	if f == PNG {
		return inspectPNG(data)
	}
	return inspectJPEG(data)
}

func inspectJPEG(data []byte) (Header, error) {
	h := Header{Format: JPEG}
	sof := false
	pos := 2
	for {
		// A marker, after any fill bytes.
		if pos >= len(data) {
			return h, ErrTruncated
		}
		if data[pos] != 0xff {
			return h, ErrCorrupt.Wrap(errString("no marker where one belongs"))
		}
		for pos < len(data) && data[pos] == 0xff {
			pos++
		}
		if pos >= len(data) {
			return h, ErrTruncated
		}
		marker := data[pos]
		pos++
		switch {
		case marker == 0xd9: // EOI
			if !sof || h.Scans == 0 {
				return h, ErrCorrupt.Wrap(errString("end before image data"))
			}
			h.End = pos
			return h, nil
		case marker == 0xd8 || marker == 0x00:
			return h, ErrCorrupt.Wrap(errString("unexpected marker"))
		case marker >= 0xd0 && marker <= 0xd7 || marker == 0x01: // RSTn, TEM: no length
			continue
		}
		if pos+2 > len(data) {
			return h, ErrTruncated
		}
		n := int(binary.BigEndian.Uint16(data[pos:]))
		if n < 2 || pos+n > len(data) {
			return h, ErrTruncated
		}
		seg := data[pos+2 : pos+n]
		pos += n
		switch {
		case marker == 0xc0 || marker == 0xc1 || marker == 0xc2:
			if sof {
				return h, ErrCorrupt.Wrap(errString("two frames"))
			}
			if err := h.readSOF(seg, marker == 0xc2); err != nil {
				return h, err
			}
			sof = true
		case marker >= 0xc3 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc:
			// Lossless, hierarchical and arithmetic-coded JPEGs: no phone writes them.
			return h, ErrFormat.Wrap(errString("jpeg coding not supported"))
		case marker == 0xe1 && h.Exif == nil && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			h.Exif = seg[6:]
		case marker == 0xda: // SOS: the entropy-coded data runs to the next real marker
			if !sof {
				return h, ErrCorrupt.Wrap(errString("scan before frame"))
			}
			if h.Scans++; h.Scans > maxScans {
				return h, ErrDecodeCost.Wrap(errString("too many scans"))
			}
			pos = nextMarker(data, pos)
		}
	}
}

// nextMarker returns the offset of the first marker at or after pos that is not a stuffed
// 0xff00 or a restart marker, or len(data).
func nextMarker(data []byte, pos int) int {
	for {
		i := bytes.IndexByte(data[pos:], 0xff)
		if i < 0 || pos+i+1 >= len(data) {
			return len(data)
		}
		pos += i
		switch m := data[pos+1]; {
		case m == 0x00 || m == 0xff || (m >= 0xd0 && m <= 0xd7):
			pos++
		default:
			return pos
		}
	}
}

// readSOF reads a frame header: size, components and their sampling factors.
func (h *Header) readSOF(seg []byte, progressive bool) error {
	if len(seg) < 6 {
		return ErrCorrupt.Wrap(errString("short frame header"))
	}
	h.Height = int(binary.BigEndian.Uint16(seg[1:]))
	h.Width = int(binary.BigEndian.Uint16(seg[3:]))
	h.Progressive = progressive
	nc := int(seg[5])
	if seg[0] != 8 || (nc != 1 && nc != 3 && nc != 4) || len(seg) < 6+3*nc || h.Width == 0 || h.Height == 0 {
		return ErrFormat.Wrap(errString("jpeg precision, components or size not supported"))
	}
	maxH, maxV := 1, 1
	for i := range nc {
		f := seg[7+3*i]
		maxH, maxV = max(maxH, int(f>>4)), max(maxV, int(f&15))
	}
	for i := range nc {
		f := seg[7+3*i]
		hi, vi := int(f>>4), int(f&15)
		if hi == 0 || vi == 0 {
			return ErrCorrupt.Wrap(errString("zero sampling factor"))
		}
		h.Samples += int64((h.Width*hi+maxH-1)/maxH) * int64((h.Height*vi+maxV-1)/maxV)
	}
	return nil
}

func inspectPNG(data []byte) (Header, error) {
	h := Header{Format: PNG}
	pos := 8
	for i := 0; ; i++ {
		if pos+8 > len(data) {
			return h, ErrTruncated
		}
		n := int64(binary.BigEndian.Uint32(data[pos:]))
		typ := string(data[pos+4 : pos+8])
		if int64(pos)+12+n > int64(len(data)) {
			return h, ErrTruncated
		}
		body := data[pos+8 : pos+8+int(n)]
		pos += 12 + int(n)
		switch {
		case i == 0 && typ != "IHDR", i > 0 && typ == "IHDR":
			return h, ErrCorrupt.Wrap(errString("IHDR misplaced"))
		case typ == "IHDR":
			if err := h.readIHDR(body); err != nil {
				return h, err
			}
		case typ == "IEND":
			h.End = pos
			return h, nil
		}
	}
}

// readIHDR reads a PNG header and what its pixels decode to in Go's image package.
func (h *Header) readIHDR(b []byte) error {
	if len(b) != 13 {
		return ErrCorrupt.Wrap(errString("short IHDR"))
	}
	h.Width = int(binary.BigEndian.Uint32(b[0:]))
	h.Height = int(binary.BigEndian.Uint32(b[4:]))
	depth, color := b[8], b[9]
	h.Interlaced = b[12] == 1
	if h.Width <= 0 || h.Height <= 0 || h.Width > 1<<24 || h.Height > 1<<24 {
		return ErrCorrupt.Wrap(errString("png size"))
	}
	wide := depth == 16
	switch color {
	case 0: // grey
		h.BytesPerPixel = map[bool]int{false: 1, true: 2}[wide]
	case 3: // palette
		h.BytesPerPixel = 1
	case 2: // RGB, decoded to RGBA
		h.BytesPerPixel = map[bool]int{false: 4, true: 8}[wide]
	case 4, 6: // grey or RGB with alpha, decoded to NRGBA
		h.BytesPerPixel = map[bool]int{false: 4, true: 8}[wide]
		h.Alpha = true
	default:
		return ErrCorrupt.Wrap(errString("png colour type"))
	}
	h.Samples = int64(h.Width) * int64(h.Height)
	return nil
}

// Pixels is the image's pixel count as stored.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// decodeCost estimates the bytes one decode allocates: the decoded image at the block size
// the pipeline will use (scale, of 8), plus a progressive JPEG's coefficients (an int32 for
// every sample, at full size whatever the scale), or a PNG's image and, when interlaced, its
// passes; plus the first resize's intermediate image.
func (h Header) decodeCost(scale, previewSize int) int64 {
	resize := int64(previewSize) * int64(max(h.Width, h.Height)) * 4 * int64(scale) / 8
	if h.Format == PNG {
		img := h.Pixels() * int64(h.BytesPerPixel)
		if h.Interlaced {
			img *= 2
		}
		return img + resize
	}
	cost := h.Samples * int64(scale*scale) / 64
	if h.Progressive {
		cost += h.Samples * 4
	}
	return cost + resize
}

type errString string

func (e errString) Error() string { return string(e) }
