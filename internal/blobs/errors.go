package blobs

import (
	"strconv"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
)

// The errors clients can act on. Every refusal of a file names what was wrong with it, so a
// phone can tell "send it again" (hash_mismatch after a corrupted transfer) from "this file
// will never be accepted" (the image errors).
var (
	errBadAnnounce = fault.New(fault.Invalid, "upload_invalid",
		"上传声明无效: 需要 sha256 (64 位十六进制)、size 和 mime", "invalid upload announcement: sha256 (64 hex digits), size and mime are required")
	errTooBig = fault.New(fault.TooLarge, "upload_too_large",
		"文件过大", "the file is larger than the server accepts")
	errMimeMismatch = fault.New(fault.Invalid, "mime_mismatch",
		"文件内容与声明的类型不符", "the file's content does not match its declared type")
	errUploadGone = fault.New(fault.NotExist, "upload_not_found",
		"上传不存在或已过期, 请重新声明", "no such upload (finished or expired): announce it again")
	errOffset = fault.New(fault.Conflict, "upload_offset_mismatch",
		"上传偏移量不符, 请先查询当前偏移量", "Upload-Offset does not match the server's offset: ask for it with HEAD")
	errChunkTooLong = fault.New(fault.TooLarge, "upload_chunk_too_long",
		"数据超出声明的大小", "the data goes past the announced size")
	errHash = fault.New(fault.Invalid, "hash_mismatch",
		"文件的 SHA-256 与声明不符, 已丢弃, 请重新上传", "the file's SHA-256 differs from the announced one; nothing was kept, upload it again")
	errSubdistrict = fault.New(fault.Invalid, "subdistrict_invalid",
		"街镇不存在", "no such subdistrict")
	errNotFound = fault.New(fault.NotExist, "not_found",
		"照片不存在", "no such photo")
	errPending = fault.New(fault.NotExist, "photo_pending",
		"照片尚未上传", "the photo's bytes have not been uploaded yet")
	errStaffOnly = fault.New(fault.Permission, "forbidden",
		"仅限巡查员和主管", "inspectors and supervisors only")
	errSupervisorOnly = fault.New(fault.Permission, "forbidden",
		"仅限主管", "supervisors only")
)

// writeError answers err: a fault as it says, anything else as a logged 500 that reveals
// nothing. A fault with a wait (a busy pipeline's 503) sets Retry-After to the seconds its body
// carries in data.retry_after.
func writeError(e *core.RequestEvent, err error) error {
	fe, ok := fault.As(err)
	if !ok {
		e.App.Logger().Error("blob request failed", "path", e.Request.URL.Path, "error", err)
		fe = fault.New(fault.Internal, "internal", "服务器内部错误", "internal server error")
	} else if fe.Err != nil {
		e.App.Logger().Debug("blob request refused", "code", fe.Code, "error", fe.Err)
	}
	if secs := fe.RetryAfterSeconds(); secs > 0 {
		e.Response.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	body := fe.Body()
	return e.JSON(body.Status, body)
}
