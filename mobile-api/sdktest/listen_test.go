package sdktest

import (
	"net"
	"testing"
)

// listen opens a loopback port for the harness.
func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
