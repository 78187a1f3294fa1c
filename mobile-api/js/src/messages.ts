// Chinese and English messages for the field codes a rejected push carries in `fields`
// (PocketBase's validation codes and fieldsync's own). A code not listed here falls back to
// a generic message naming the code, so an app always has something to show.
const messages: Record<string, [string, string]> = {
  validation_required: ["必填", "required"],
  validation_not_in_values: ["不是允许的取值", "not one of the allowed values"],
  validation_invalid_value: ["取值无效", "invalid value"],
  validation_length_out_of_range: ["长度超出范围", "length out of range"],
  validation_max_text_constraint: ["文字过长", "text too long"],
  validation_min_text_constraint: ["文字过短", "text too short"],
  validation_invalid_format: ["格式不正确", "invalid format"],
  validation_min_number_constraint: ["数值过小", "number too small"],
  validation_max_number_constraint: ["数值过大", "number too large"],
  validation_missing_rel_records: ["关联的记录不存在", "the linked record does not exist"],
  validation_invalid_date: ["日期无效", "invalid date"],
  validation_too_many_values: ["选项过多", "too many values"],
  validation_invalid_email: ["邮箱格式不正确", "invalid e-mail"],
  protected_field: ["此字段只能由服务器或上级修改", "this field is set by the server or a supervisor"],
  scope_forbidden: ["不在你负责的街道", "not in a subdistrict you hold"],
  link_invalid: ["关联的记录不可用", "the linked record cannot be used"],
  client_field_locked: ["只能修改是否吊销", "only revoked may change"],
  unknown_field: ["未知字段", "unknown field"],
};

/** The Chinese and English message of a field code. */
export function fieldMessage(field: string, code: string): { zh: string; en: string } {
  const m = messages[code];
  return m ? { zh: `${field}：${m[0]}`, en: `${field}: ${m[1]}` } : { zh: `${field}：不符合规则（${code}）`, en: `${field}: refused (${code})` };
}
