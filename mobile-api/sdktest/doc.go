// Package sdktest runs the JavaScript SDK's tests (mobile-api/js/test) against the real server;
// see sdk_test.go. Outside the tests it holds Assets, which serves the SDK and its benchmark
// page beside the API (cmd/fsbench uses it too).
package sdktest
