package sync

import (
	"database/sql"
	"errors"
	"sort"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/inflector"
	"github.com/pocketbase/pocketbase/tools/router"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// validationFields extracts the field codes of a model validation failure, and the first
// message (in field order) for people to read.
func validationFields(err error) (map[string]string, string, bool) {
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return nil, "", false
	}
	fields := map[string]string{}
	names := make([]string, 0, len(verrs))
	for name := range verrs {
		names = append(names, name)
	}
	sort.Strings(names)
	msg := ""
	for _, name := range names {
		fe := verrs[name]
		code := "invalid"
		var ve validation.Error
		if errors.As(fe, &ve) {
			code = ve.Code()
		}
		fields[name] = code
		if msg == "" {
			msg = name + ": " + fe.Error()
		}
	}
	return fields, msg, true
}

// fieldMessages gives each field of a model validation failure its message for people,
// Chinese then English, rendered as PocketBase's REST answers render them ("不能为空 / cannot
// be blank."), so that a phone shows every refused field in the server's words and not only
// the first.
func fieldMessages(err error) map[string]string {
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return nil
	}
	out := make(map[string]string, len(verrs))
	for name, fe := range verrs {
		out[name] = inflector.Sentenize(fe.Error())
	}
	return out
}

// apiErrorStatus reads the status of an error a hook raised as an API error (JS hooks throw
// them with BadRequestError and its kin).
func apiErrorStatus(err error) (int, string, bool) {
	var apiErr *router.ApiError
	if !errors.As(err, &apiErr) {
		return 0, "", false
	}
	return apiErr.Status, apiErr.Message, true
}
