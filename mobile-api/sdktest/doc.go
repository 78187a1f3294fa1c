// Package sdktest runs the JavaScript SDK's tests (mobile-api/js/test) against the real server;
// see sdk_test.go. It has no code of its own outside the tests.
package sdktest
