package demo

import "strings"

// creditCode returns an 18-character unified social credit code (GB 32100-2015) made of head
// (registration authority, entity type and the 6-digit division code, e.g. "91110108") and
// the 8-character body of the organisation code, with both check characters computed: the
// organisation code's (GB 11714-1997) and the credit code's own. The demo codes are invented
// but pass the same checks real ones do.
func creditCode(head, body string) string {
	s := head + body + string(orgCodeCheck(body))
	sum := 0
	for i, w := range creditCodeWeights {
		sum += strings.IndexByte(creditCodeAlphabet, s[i]) * w
	}
	return s + string(creditCodeAlphabet[(31-sum%31)%31])
}

// creditCodeAlphabet is GB 32100's 31 characters: digits and capitals without I, O, S, V, Z.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgCodeCheck returns the GB 11714 check character of an 8-character organisation code body,
// where digits count their value and letters 10 (A) to 35 (Z).
func orgCodeCheck(body string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += strings.IndexByte("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", body[i]) * w
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}
