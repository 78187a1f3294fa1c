package tutoring

import (
	"strings"
)

// CreditCode is a unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters,
// the registration authority and entity type, a 6-digit administrative division code, the
// 9-character organisation code and a check character.
type CreditCode string

// creditAlphabet is GB 32100's 31 characters: digits and capitals without I, O, S, V, Z. A
// character's value is its index.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// The reasons a credit code is refused; each is the code of its field error.
const (
	CodeCreditLength = "credit_code_length"
	CodeCreditChar   = "credit_code_character"
	CodeCreditCheck  = "credit_code_check"
)

// CreditCheck returns the check character of the first 17 characters of a code, or 0 when one
// of them is outside the alphabet.
func CreditCheck(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i, w := range creditWeights {
		v := strings.IndexByte(creditAlphabet, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * w
	}
	return creditAlphabet[(31-sum%31)%31]
}

// NormalizeCredit returns s trimmed and in upper case, as codes are stored.
func NormalizeCredit(s string) CreditCode {
	return CreditCode(strings.ToUpper(strings.TrimSpace(s)))
}

// Check returns "" for a valid code, or the reason code it is refused for: wrong length, a
// character outside the alphabet, or a check character that does not match.
func (c CreditCode) Check() string {
	s := string(c)
	if len([]rune(s)) != 18 || len(s) != 18 {
		return CodeCreditLength
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditAlphabet, s[i]) < 0 {
			return CodeCreditChar
		}
	}
	if CreditCheck(s[:17]) != s[17] {
		return CodeCreditCheck
	}
	return ""
}

// creditMessages are the messages of the refusals, Chinese and English.
var creditMessages = map[string]string{
	CodeCreditLength: "统一社会信用代码应为18位 / a unified social credit code has 18 characters",
	CodeCreditChar: "统一社会信用代码只能包含数字和除I、O、S、V、Z以外的大写字母 / " +
		"a unified social credit code uses digits and capital letters other than I, O, S, V and Z",
	CodeCreditCheck: "统一社会信用代码校验位错误，请核对营业执照 / " +
		"the check character of the unified social credit code is wrong; copy it again from the licence",
}
