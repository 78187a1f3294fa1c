package fault

import (
	"fmt"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
)

// validationZH is the Chinese of every validation code PocketBase (its record fields, record
// model, validators and upsert form) and ozzo-validation's rules can give a record write. The
// English stays PocketBase's own rendered text. TestValidationZH_CoversPocketBase scans the
// sources of the versions in go.mod, so an upgrade that adds a code fails until it is listed.
// Placeholders ({{.min}}) are filled from the error's params.
var validationZH = map[string]string{
	// Values of record fields.
	"validation_required":                        "不能为空",
	"validation_nil_or_not_empty_required":       "不能为空",
	"validation_not_nil_required":                "必须填写",
	"validation_empty":                           "必须为空",
	"validation_nil":                             "必须为空",
	"validation_length_empty_required":           "必须为空",
	"validation_length_invalid":                  "长度必须正好为 {{.min}}",
	"validation_length_out_of_range":             "长度必须在 {{.min}} 到 {{.max}} 之间",
	"validation_length_too_long":                 "长度不能超过 {{.max}}",
	"validation_length_too_short":                "长度不能少于 {{.min}}",
	"validation_min_text_constraint":             "至少 {{.min}} 个字符",
	"validation_max_text_constraint":             "不能超过 {{.max}} 个字符",
	"validation_min_number_constraint":           "不能小于 {{.min}}",
	"validation_max_number_constraint":           "不能大于 {{.max}}",
	"validation_min_greater_equal_than_required": "不能小于 {{.threshold}}",
	"validation_min_greater_than_required":       "必须大于 {{.threshold}}",
	"validation_max_less_equal_than_required":    "不能大于 {{.threshold}}",
	"validation_max_less_than_required":          "必须小于 {{.threshold}}",
	"validation_multiple_of_invalid":             "必须是 {{.base}} 的整数倍",
	"validation_only_int_constraint":             "只能填写整数",
	"validation_not_a_number":                    "不是有效的数字",
	"validation_in_invalid":                      "不是允许的取值",
	"validation_not_in_invalid":                  "不能是该取值",
	"validation_invalid_value":                   "取值无效",
	"validation_invalid_field_value":             "字段取值无效",
	"validation_unsupported_value_type":          "取值类型无效或不受支持",
	"validation_match_invalid":                   "格式不正确",
	"validation_invalid_format":                  "格式不正确",
	"validation_date_invalid":                    "不是有效的日期",
	"validation_date_out_of_range":               "日期超出范围",
	"validation_invalid_json":                    "不是有效的 JSON",
	"validation_json_size_limit":                 "JSON 内容不能超过 {{.maxSize}} 字节",
	"validation_content_size_limit":              "内容不能超过 {{.maxSize}} 字节",
	"validation_invalid_url":                     "不是有效的网址",
	"validation_url_domain_not_allowed":          "不允许该网址域名",
	"validation_email_domain_not_allowed":        "不允许该邮箱域名",
	"validation_invalid_latitude":                "纬度必须在 -90 到 90 度之间",
	"validation_invalid_longitude":               "经度必须在 -180 到 180 度之间",
	"validation_not_enough_values":               "至少选择 {{.minSelect}} 项",
	"validation_too_many_values":                 "最多选择 {{.maxSelect}} 项",
	"validation_missing_rel_records":             "找不到全部关联记录",
	"validation_missing_rel_collection":          "关联的数据集不存在或无法访问",
	"validation_not_unique":                      "该值已存在，必须唯一",
	"validation_values_mismatch":                 "两次填写的值不一致",
	"validation_key_missing":                     "缺少必需的键",
	"validation_key_unexpected":                  "包含不应有的键",
	"validation_key_wrong_type":                  "键的类型不正确",
	"validation_found_via":                       "取值不能包含“_via_”",
	// Files.
	"validation_invalid_file":      "上传的文件无效",
	"validation_too_many_files":    "最多上传 {{.maxSelect}} 个文件",
	"validation_file_size_limit":   "文件超过允许的大小（{{.maxSize}} 字节）",
	"validation_invalid_mime_type": "不支持该文件类型",
	// Record ids and system fields.
	"validation_pk_change":               "记录编号不能修改",
	"validation_pk_invalid":              "记录编号无效或已存在",
	"validation_invalid_or_existing_id":  "记录编号无效或已存在",
	"validation_forbidden_pk_character":  "记录编号含有不允许的字符",
	"validation_reserved_pk":             "该记录编号为保留值，不能使用",
	"validation_unknown_field":           "未知或无效的字段",
	"validation_invalid_auth_id":         "账号编号无效或重复",
	"validation_invalid_old_password":    "原密码缺失或不正确",
	"validation_invalid_record":          "记录缺失或无效",
	"validation_invalid_collection":      "数据集缺失或无效",
	"validation_invalid_collection_id":   "数据集缺失或无效",
	"validation_invalid_collection_type": "数据集类型无效",
	// Field definitions: only district administrators editing collections meet these, listed
	// because the same hook translates every validation error.
	"validation_field_relation_change":                   "关联的数据集不能修改",
	"validation_field_relation_missing_collection":       "关联的数据集不存在",
	"validation_relation_field_non_view_base_collection": "只有视图数据集才能关联其他视图",
	"validation_invalid_autogenerate_pattern":            "自动生成规则无效",
	"validation_invalid_autogenerate_pattern_value":      "自动生成规则可能产生无效的值",
	"validation_invalid_regex":                           "正则表达式无效",
	"validation_invlaid_ip_or_subnet":                    "IP 地址或子网无效",
	"validation_must_be_system":                          "该字段必须标记为系统字段",
	"validation_must_be_system_and_hidden":               "该字段必须标记为系统字段并隐藏",
	"validation_unsupported_composite_pk":                "不支持复合主键",
}

// HasValidationZH reports whether code has a Chinese message.
func HasValidationZH(code string) bool {
	_, ok := validationZH[code]
	return ok
}

// Bilingual returns errs with each PocketBase validation error's message put in Chinese and
// English ("不能为空 / cannot be blank"), same code and params, nested errors included. A code
// without a Chinese message (fieldsync's own, already bilingual) is kept as it is.
func Bilingual(errs validation.Errors) validation.Errors {
	out := make(validation.Errors, len(errs))
	for name, err := range errs {
		switch e := err.(type) {
		case validation.Errors:
			out[name] = Bilingual(e)
		case bilingualError:
			out[name] = e // translated by an earlier pass
		case validation.Error:
			zh, ok := validationZH[e.Code()]
			if !ok {
				out[name] = err
				continue
			}
			out[name] = bilingualError{code: e.Code(),
				message: fill(zh, e.Params()) + " / " + e.Error(), params: e.Params()}
		default:
			out[name] = err
		}
	}
	return out
}

// fill replaces {{.key}} with params[key]. It is not text/template on purpose: the English
// half can hold a client's file name, and ozzo re-parses a message with params as a template.
func fill(s string, params map[string]any) string {
	for k, v := range params {
		s = strings.ReplaceAll(s, "{{."+k+"}}", fmt.Sprint(v))
	}
	return s
}

// bilingualError is a validation.Error whose message is already rendered: Error returns it as
// it is, so PocketBase's REST answers and the sync push read the same text.
type bilingualError struct {
	code, message string
	params        map[string]any
}

func (e bilingualError) Error() string          { return e.message }
func (e bilingualError) Code() string           { return e.code }
func (e bilingualError) Message() string        { return e.message }
func (e bilingualError) Params() map[string]any { return e.params }

func (e bilingualError) SetMessage(m string) validation.Error {
	e.message = m
	return e
}

func (e bilingualError) SetParams(p map[string]any) validation.Error {
	e.params = p
	return e
}
