package photo

import "github.com/haidian/fieldsync/internal/fault"

// The refusals of the pipeline, with stable codes clients can act on: each says what is wrong
// with the file, and that sending it again will not help (ErrBusy aside).
var (
	ErrFormat = fault.New(fault.Invalid, "unsupported_format",
		"只接受 JPEG 和 PNG 图片", "only JPEG and PNG images are accepted")
	ErrTooManyPixels = fault.New(fault.TooLarge, "image_too_many_pixels",
		"图片像素过多", "the image has more pixels than the server decodes")
	ErrDecodeCost = fault.New(fault.TooLarge, "image_too_costly",
		"图片解码所需内存过大", "decoding the image would need more memory than the server allows")
	ErrTruncated = fault.New(fault.Invalid, "image_truncated",
		"图片不完整", "the image is truncated")
	ErrCorrupt = fault.New(fault.Invalid, "image_corrupt",
		"图片已损坏, 无法解码", "the image is corrupt and cannot be decoded")
	// ErrBusy means every decode slot stayed taken for the configured wait: retry later.
	// The blob store keeps the upload's bytes and tells the wait (fault.Error.RetryAfter).
	ErrBusy = fault.New(fault.Busy, "server_busy",
		"服务器繁忙, 已收到的数据已保留, 请稍后重试", "the server is busy decoding other images; the bytes received are kept, retry later")
)
