package photo

import (
	"encoding/binary"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"math"
	"strings"
	"time"
)

// Exif is what the pipeline reads from a photo's EXIF: how to turn it upright, and when and
// where it was taken, as the camera recorded it.
//
// The reader is ours, about a hundred lines over a TIFF structure bounded by the APP1 segment
// (64 KiB at most), and fuzzed. It reads four things. github.com/rwcarlsen/goexif was the
// candidate: it is unmaintained since 2019, and it multiplies a tag's count by its type's
// size in 32 bits, so a crafted count wraps to a small length that passes its bounds check and
// then sizes a multi-gigabyte slice. github.com/dsoprea/go-exif/v3 brings six modules
// (a panic-based logging library among them) for the same four tags.
type Exif struct {
	Orientation int       // 1 to 8; 1 when absent or invalid
	CapturedAt  time.Time // zero when absent
	HasGPS      bool
	Lat, Lon    float64
}

// beijing is the zone of capture times that carry no offset: phones record local time, and
// the district's phones are in China Standard Time (UTC+8, no daylight saving).
var beijing = bj.Zone

// EXIF tags read.
const (
	tagOrientation = 0x0112
	tagExifIFD     = 0x8769
	tagGPSIFD      = 0x8825
	tagDateTimeOrg = 0x9003
	tagOffsetOrg   = 0x9011
	tagGPSLatRef   = 1
	tagGPSLat      = 2
	tagGPSLonRef   = 3
	tagGPSLon      = 4
)

// maxIFDEntries bounds a directory's entries; real ones have a few dozen.
const maxIFDEntries = 512

// ParseExif reads the TIFF payload of an APP1 Exif segment. It never fails: what it cannot
// read is simply absent.
func ParseExif(tiff []byte) Exif {
	x := Exif{Orientation: 1}
	t, ok := newTIFF(tiff)
	if !ok {
		return x
	}
	ifd0 := t.dir(t.u32(4))
	if v, ok := ifd0[tagOrientation]; ok {
		if o := int(t.short(v)); o >= 1 && o <= 8 {
			x.Orientation = o
		}
	}
	if v, ok := ifd0[tagExifIFD]; ok {
		exif := t.dir(t.long(v))
		x.CapturedAt = captureTime(t.ascii(exif[tagDateTimeOrg]), t.ascii(exif[tagOffsetOrg]))
	}
	if v, ok := ifd0[tagGPSIFD]; ok {
		gps := t.dir(t.long(v))
		lat, latOK := t.degrees(gps[tagGPSLat], t.ascii(gps[tagGPSLatRef]), "S")
		lon, lonOK := t.degrees(gps[tagGPSLon], t.ascii(gps[tagGPSLonRef]), "W")
		if latOK && lonOK && math.Abs(lat) <= 90 && math.Abs(lon) <= 180 {
			x.HasGPS, x.Lat, x.Lon = true, lat, lon
		}
	}
	return x
}

// tiff is a bounds-checked view of a TIFF structure.
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

func newTIFF(b []byte) (tiff, bool) {
	switch {
	case len(b) < 8:
		return tiff{}, false
	case string(b[:4]) == "II*\x00":
		return tiff{b, binary.LittleEndian}, true
	case string(b[:4]) == "MM\x00*":
		return tiff{b, binary.BigEndian}, true
	}
	return tiff{}, false
}

func (t tiff) u16(off int) uint16 {
	if off < 0 || off+2 > len(t.b) {
		return 0
	}
	return t.bo.Uint16(t.b[off:])
}

func (t tiff) u32(off int) uint32 {
	if off < 0 || off+4 > len(t.b) {
		return 0
	}
	return t.bo.Uint32(t.b[off:])
}

// entry is a directory entry: its type, count and the offset of its 4-byte value field.
type entry struct {
	typ   uint16
	count uint32
	at    int
}

// typeSizes are the byte sizes of the TIFF types read here.
var typeSizes = map[uint16]uint64{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1}

// dir reads the directory at off. Offsets out of range give an empty directory.
func (t tiff) dir(off uint32) map[uint16]entry {
	out := map[uint16]entry{}
	if off < 8 || uint64(off)+2 > uint64(len(t.b)) {
		return out
	}
	n := int(t.u16(int(off)))
	for i := range min(n, maxIFDEntries) {
		at := int(off) + 2 + 12*i
		if at+12 > len(t.b) {
			break
		}
		out[t.u16(at)] = entry{typ: t.u16(at + 2), count: t.u32(at + 4), at: at + 8}
	}
	return out
}

// value returns the bytes of e's value, or nil when they do not lie within the structure.
// Sizes are computed in 64 bits, so no count wraps around.
func (t tiff) value(e entry) []byte {
	size := typeSizes[e.typ] * uint64(e.count)
	if size == 0 || e.at == 0 {
		return nil
	}
	off := uint64(e.at)
	if size > 4 {
		off = uint64(t.u32(e.at))
	}
	if off+size > uint64(len(t.b)) {
		return nil
	}
	return t.b[off : off+size]
}

func (t tiff) short(e entry) uint16 {
	if v := t.value(e); e.typ == 3 && len(v) >= 2 {
		return t.bo.Uint16(v)
	}
	return 0
}

func (t tiff) long(e entry) uint32 {
	if v := t.value(e); e.typ == 4 && len(v) >= 4 {
		return t.bo.Uint32(v)
	}
	return 0
}

func (t tiff) ascii(e entry) string {
	v := t.value(e)
	if e.typ != 2 {
		return ""
	}
	return strings.TrimRight(string(v), "\x00 ")
}

// degrees reads three rationals (degrees, minutes, seconds) as signed decimal degrees.
func (t tiff) degrees(e entry, ref, negative string) (float64, bool) {
	v := t.value(e)
	if e.typ != 5 || len(v) < 24 {
		return 0, false
	}
	var d float64
	for i, unit := range []float64{1, 60, 3600} {
		num, den := t.bo.Uint32(v[8*i:]), t.bo.Uint32(v[8*i+4:])
		if den == 0 {
			return 0, false
		}
		d += float64(num) / float64(den) / unit
	}
	if ref == negative {
		d = -d
	}
	return d, true
}

// captureTime parses EXIF's "2006:01:02 15:04:05" with its offset ("+08:00") when given.
func captureTime(s, offset string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if offset != "" {
		if t, err := time.Parse("2006:01:02 15:04:05-07:00", s+offset); err == nil {
			return t
		}
	}
	t, err := time.ParseInLocation("2006:01:02 15:04:05", s, beijing)
	if err != nil || t.Year() < 1990 {
		return time.Time{}
	}
	return t
}
