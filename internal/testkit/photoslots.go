package testkit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	stdsync "sync"
	"testing"
	"time"
)

// HoldPhotoSlots fills n completion slots of s's photo uploads (an app has twice as many as
// photo decoders) the way a slow writer does: it takes the database's writer (HoldWriter),
// then sends the whole of n new photos of the user behind token, whose completions verify and
// decode them and then wait for the writer, each holding its slot. It returns once
// fieldsync_photo_completions{what="running"} reads n; a completion arriving meanwhile waits
// for a slot and, after the app's slot wait, is answered 503 server_busy. release lets the
// writer go and checks that the n photos are stored.
func HoldPhotoSlots(t testing.TB, s *Server, token string, n int) (release func()) {
	t.Helper()
	ids := make([]string, n)
	files := make([][]byte, n)
	for i := range n {
		files[i] = JPEG(t, 9000+i)
		sum := sha256.Sum256(files[i])
		res := s.Do(http.MethodPost, "/api/fs/blobs/uploads", token,
			map[string]any{"sha256": hex.EncodeToString(sum[:]), "size": len(files[i]), "mime": "image/jpeg"})
		if res.Status != http.StatusCreated {
			t.Fatalf("announce held photo %d: %d %s", i, res.Status, res.Body)
		}
		ids[i] = res.JSON(t)["id"].(string)
	}
	releaseWriter := HoldWriter(t, s.App)
	answers := make(chan string, n)
	for i := range n {
		go func() {
			req, _ := http.NewRequest(http.MethodPatch, s.URL+"/api/fs/blobs/uploads/"+ids[i], bytes.NewReader(files[i]))
			req.Header.Set("Authorization", token)
			req.Header.Set("Upload-Offset", "0")
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			req.Header.Set("Tus-Resumable", "1.0.0")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- fmt.Sprintf("held photo %d: %v", i, err)
				return
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				answers <- fmt.Sprintf("held photo %d: %d %s", i, res.StatusCode, body)
				return
			}
			answers <- ""
		}()
	}
	admin := s.Token("_superusers", Superuser)
	const running = `fieldsync_photo_completions{what="running"}`
	for deadline := time.Now().Add(20 * time.Second); s.Metric(t, admin, running) != float64(n); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			releaseWriter()
			t.Fatalf("the held photos never filled %d completion slots", n)
		}
	}
	var once stdsync.Once
	return func() {
		t.Helper()
		once.Do(func() {
			releaseWriter()
			for range n {
				if msg := <-answers; msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}
