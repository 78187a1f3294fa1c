package signin_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

// clock is the injected time of every test app in this package; tests move it forward.
var clock = struct {
	sync.Mutex
	now time.Time
}{now: time.Date(2018, 5, 2, 9, 0, 0, 0, time.UTC)}

func now() time.Time {
	clock.Lock()
	defer clock.Unlock()
	return clock.now
}

func advance(d time.Duration) {
	clock.Lock()
	defer clock.Unlock()
	clock.now = clock.now.Add(d)
}

func TestMain(m *testing.M) {
	testkit.SetBind(func(a core.App) {
		o := app.DefaultOptions()
		o.Now = now
		app.BindWith(a, o)
	})
	testkit.Main(m)
}

const (
	inspectorA = "inspectora@fieldsync.test"
	inspectorB = "inspectorb@fieldsync.test"
	admin      = "admin@fieldsync.test"
)

// signIn tries a password on the users (or _superusers) collection.
func signIn(srv *testkit.Server, coll, identity, password string) testkit.Response {
	return srv.Do(http.MethodPost, "/api/collections/"+coll+"/auth-with-password", "",
		map[string]any{"identity": identity, "password": password})
}

// wantFailed checks the ordinary answer to a wrong password.
func wantFailed(t *testing.T, res testkit.Response, what string) {
	t.Helper()
	if res.Status != http.StatusBadRequest {
		t.Fatalf("%s: %d %s, want 400", what, res.Status, res.Body)
	}
}

// wantThrottled checks a throttled answer and returns its wait in seconds.
func wantThrottled(t *testing.T, res testkit.Response, what string) int {
	t.Helper()
	body := res.JSON(t)
	msg, _ := body["message"].(string)
	if res.Status != http.StatusTooManyRequests || body["code"] != "signin_throttled" ||
		!strings.Contains(msg, "登录") || !strings.Contains(msg, "sign-in") {
		t.Fatalf("%s: %d %s, want 429 signin_throttled", what, res.Status, res.Body)
	}
	wait, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || wait <= 0 {
		t.Fatalf("%s: Retry-After %q", what, res.Header.Get("Retry-After"))
	}
	return wait
}

// fail sends n wrong passwords for identity, each answered as an ordinary failure.
func fail(t *testing.T, srv *testkit.Server, coll, identity string, n int) {
	t.Helper()
	for i := range n {
		wantFailed(t, signIn(srv, coll, identity, "wrong-"+strconv.Itoa(i)), "wrong password "+strconv.Itoa(i+1))
	}
}

// TestSignIn_GuessingIsSlowed: after five wrong passwords the account answers 429 for a
// while, even to the right password; the wait doubles with each further failure, up to 15
// minutes.
func TestSignIn_GuessingIsSlowed(t *testing.T) {
	for _, c := range []struct{ coll, identity string }{{"users", inspectorA}, {core.CollectionNameSuperusers, admin}} {
		t.Run(c.coll, func(t *testing.T) {
			srv := testkit.Serve(t, testkit.NewApp(t))
			fail(t, srv, c.coll, c.identity, 5)
			wait := wantThrottled(t, signIn(srv, c.coll, c.identity, "wrong-6"), "sixth wrong password")
			if wait != 30 {
				t.Errorf("first wait %d s, want 30", wait)
			}
			wantThrottled(t, signIn(srv, c.coll, c.identity, testkit.Password), "the right password while throttled")
			var waits []int
			for range 7 {
				advance(time.Duration(wait) * time.Second)
				wantFailed(t, signIn(srv, c.coll, c.identity, "wrong"), "a wrong password after the wait")
				wait = wantThrottled(t, signIn(srv, c.coll, c.identity, "wrong"), "the next one")
				waits = append(waits, wait)
			}
			if want := []int{60, 120, 240, 480, 900, 900, 900}; !slices.Equal(waits, want) {
				t.Errorf("waits %v, want %v", waits, want)
			}
			advance(time.Duration(wait) * time.Second)
			if res := signIn(srv, c.coll, c.identity, testkit.Password); res.Status != http.StatusOK {
				t.Fatalf("the right password after the wait: %d %s", res.Status, res.Body)
			}
			// A success forgives: five failures again before the next wait.
			fail(t, srv, c.coll, c.identity, 5)
			wantThrottled(t, signIn(srv, c.coll, c.identity, "wrong"), "sixth wrong password after a success")
		})
	}
}

// TestSignIn_CountsPerAccount: the throttle follows the account the identity names, however
// the request names it, and leaves other accounts alone. An unknown identity is throttled
// alike (in any letter case), so the answers tell nothing about which accounts exist.
func TestSignIn_CountsPerAccount(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	fail(t, srv, "users", inspectorA, 3)
	for i := range 2 {
		res := srv.Do(http.MethodPost, "/api/collections/users/auth-with-password", "",
			map[string]any{"identity": inspectorA, "identityField": "email", "password": "wrong-" + strconv.Itoa(i)})
		wantFailed(t, res, "wrong password by identityField")
	}
	wantThrottled(t, signIn(srv, "users", inspectorA, "wrong"), "the sixth failure")
	if res := signIn(srv, "users", inspectorB, testkit.Password); res.Status != http.StatusOK {
		t.Errorf("another account: %d %s", res.Status, res.Body)
	}
	fail(t, srv, "users", "nobody@fieldsync.test", 3)
	fail(t, srv, "users", "NoBody@FieldSync.test", 2)
	wantThrottled(t, signIn(srv, "users", "NOBODY@fieldsync.test", "wrong"), "an unknown account")
}

// TestSignIn_SurvivesRestart: the failures are stored, so a restart does not forgive them.
func TestSignIn_SurvivesRestart(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	fail(t, srv, "users", inspectorA, 5)
	srv.Restart()
	wantThrottled(t, signIn(srv, "users", inspectorA, testkit.Password), "after a restart")
}

// TestSignIn_QuietForgets: a quarter of an hour without failures after the last wait ends
// starts the count afresh.
func TestSignIn_QuietForgets(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	fail(t, srv, "users", inspectorA, 5)
	advance(30*time.Second + 15*time.Minute + time.Second)
	fail(t, srv, "users", inspectorA, 5)
	if wait := wantThrottled(t, signIn(srv, "users", inspectorA, "wrong"), "five new failures"); wait != 30 {
		t.Errorf("wait %d s after a quiet quarter of an hour, want 30", wait)
	}
}

// TestSignIn_OTPDoor: wrong one-time passwords count against the account like wrong
// passwords.
func TestSignIn_OTPDoor(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	users, err := srv.App.FindCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	users.OTP.Enabled = true
	if err := srv.App.Save(users); err != nil {
		t.Fatal(err)
	}
	res := srv.Do(http.MethodPost, "/api/collections/users/request-otp", "", map[string]any{"email": inspectorA})
	otp, _ := res.JSON(t)["otpId"].(string)
	if res.Status != http.StatusOK || otp == "" {
		t.Fatalf("request OTP: %d %s", res.Status, res.Body)
	}
	try := func() testkit.Response {
		return srv.Do(http.MethodPost, "/api/collections/users/auth-with-otp", "", map[string]any{"otpId": otp, "password": "00000000"})
	}
	for i := range 5 {
		wantFailed(t, try(), "wrong code "+strconv.Itoa(i+1))
	}
	wantThrottled(t, try(), "sixth wrong code")
	wantThrottled(t, signIn(srv, "users", inspectorA, testkit.Password), "the password door of the same account")
}

// TestSignIn_BurstIsCountedOneByOne: guesses sent all at once are counted one after the
// other, so no more of them are checked than the free attempts.
func TestSignIn_BurstIsCountedOneByOne(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	const n = 20
	answers := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- signIn(srv.For(t), "users", inspectorA, "wrong-"+strconv.Itoa(i)).Status
		}()
	}
	wg.Wait()
	close(answers)
	checked := 0
	for status := range answers {
		switch status {
		case http.StatusBadRequest:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("answer %d", status)
		}
	}
	if checked != 5 {
		t.Errorf("%d of %d guesses sent at once were checked, want 5", checked, n)
	}
}

// TestSignIn_QuietCountsAreDropped: the hourly job drops the counts that a quiet spell has
// forgotten anyway, so guessed identities do not pile up in the table.
func TestSignIn_QuietCountsAreDropped(t *testing.T) {
	srv := testkit.Serve(t, testkit.NewApp(t))
	fail(t, srv, "users", "nobody@fieldsync.test", 2)
	advance(10 * time.Minute)
	fail(t, srv, "users", inspectorB, 1)
	advance(5*time.Minute + time.Second)
	for _, j := range srv.App.Cron().Jobs() {
		if j.Id() == "fieldsync_signin_forget" {
			j.Run()
		}
	}
	var rows int
	if err := srv.App.DB().NewQuery("SELECT count(*) FROM fs_signin_failures").Row(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Errorf("%d counts left, want the one of the last quarter of an hour", rows)
	}
}
