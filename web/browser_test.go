package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is Debian's Chromium, which .ci/run installs; CHROMIUM names
// another binary.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// screenshots is where the tests write their screenshots. Left empty, each
// test writes them to a temporary folder, so a test run leaves the work tree
// as it was; `go test ./web/ -args -screenshots=../docs/screenshots`
// renews the ones the README's "Pages" section links.
var screenshots = flag.String("screenshots", "", "the folder to write the screenshots to (default: a temporary one)")

// actionTimeout bounds each browser action; the browser itself lives as
// long as the test.
const actionTimeout = 30 * time.Second

// browser is one headless Chromium with one tab, for one test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu         sync.Mutex
	exceptions []string
}

// openBrowser starts a headless Chromium with an empty profile of its own.
// Without Chromium the test fails: these tests are the pages' only proof.
func openBrowser(t *testing.T, base string) *browser {
	t.Helper()
	path := chromium()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the browser tests need Chromium at %s: install Debian's package "+
			"(apt-get install -y --no-install-recommends chromium; .ci/run does it) or set CHROMIUM to a Chromium binary (%v)", path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		// A desktop with a mouse, which headless Chromium does not report:
		// CSS (hover: hover) and (pointer: fine).
		chromedp.Flag("blink-settings", "primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no time limit
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	b := &browser{t: t, ctx: ctx, base: base}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.exceptions = append(b.exceptions, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.exceptions {
			t.Errorf("uncaught exception in the page: %s", e)
		}
	})
	b.do(chromedp.EmulateViewport(1280, 900))
	return b
}

// do runs actions within actionTimeout, failing the test on an error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v\npage: %s", err, b.snapshot())
	}
}

// snapshot is the page's address and text, for failure messages.
func (b *browser) snapshot() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	return s
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v\npage: %s", expr, err, b.snapshot())
	}
	return v
}

// js quotes a Go value for a JavaScript expression.
func js(v any) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// waitFor waits until a JavaScript expression is true.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(actionTimeout)))
	if err != nil {
		b.t.Fatalf("waiting for %s: %v\npage: %s", what, err, b.snapshot())
	}
}

// waitText waits until the element's visible text contains text.
func (b *browser) waitText(sel, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%q in %s", text, sel),
		fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && el.innerText.includes(%s); })()`, js(sel), js(text)))
}

// text is the element's visible text.
func (b *browser) text(sel string) string {
	b.t.Helper()
	b.waitVisible(sel)
	return eval[string](b, fmt.Sprintf(`document.querySelector(%s).innerText`, js(sel)))
}

func (b *browser) waitVisible(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)))
}

// go opens a page of the service.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.WaitEnabled(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// typeInto replaces a field's text by typing, as a person does, so the
// page sees its input events.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	b.waitVisible(sel)
	eval[chromedp.Void](b, fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus(); el.select && el.select(); el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); })()`, js(sel)))
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// selectOption picks an option of a select, as a person does.
func (b *browser) selectOption(sel, value string) {
	b.t.Helper()
	b.waitVisible(sel)
	eval[chromedp.Void](b, fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.value = %s; el.dispatchEvent(new Event('change', {bubbles: true})); })()`, js(sel), js(value)))
}

// key sends keys to the focused element.
func (b *browser) key(keys string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(keys))
}

// focused describes the element with the focus.
func (b *browser) focused() string {
	return eval[string](b, `(() => { const e = document.activeElement; return e ? (e.tagName + ' ' + (e.getAttribute('name') || e.dataset.action || e.textContent.trim().slice(0, 40))) : ''; })()`)
}

// shot saves a screenshot of the whole page as <screenshots>/<name>.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.screenshot(name, chromedp.FullScreenshot(100)) // 100: PNG
}

// checkLabels fails the test when a control the page shows has no name a
// screen reader can say: a label, aria-label or aria-labelledby, or a
// button's text. Every screenshot checks it.
func (b *browser) checkLabels(where string) {
	b.t.Helper()
	unlabelled := eval[[]string](b, `[...document.querySelectorAll('input, select, textarea, button')]
		.filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
		.filter((el) => el.tagName === 'BUTTON'
			? !(el.textContent.trim() || el.getAttribute('aria-label'))
			: !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
		.map((el) => el.outerHTML.slice(0, 120))`)
	for _, el := range unlabelled {
		b.t.Errorf("%s: a control without a label: %s", where, el)
	}
}

// shotViewport saves a screenshot of what the window shows, for a modal
// dialog, whose backdrop covers the window only.
func (b *browser) shotViewport(name string) {
	b.t.Helper()
	b.screenshot(name, chromedp.CaptureScreenshot())
}

func (b *browser) screenshot(name string, capture chromedp.Action[[]byte]) {
	b.t.Helper()
	b.checkLabels(name)
	// Let transitions (the status toast) settle.
	b.do(chromedp.Sleep(250 * time.Millisecond))
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, capture)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := *screenshots
	if dir == "" {
		dir = b.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// narrow shows the page as a phone does while f runs.
func (b *browser) narrow(f func()) {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(1), chromedp.EmulateMobile, chromedp.EmulateTouch))
	defer b.do(chromedp.EmulateViewport(1280, 900))
	f()
}

// signIn signs in on the development sign-in page as the demo user.
func (b *browser) signIn(userID, name string) {
	b.t.Helper()
	b.open("/app/signin")
	radio := fmt.Sprintf(`input[name=user][value=%q]`, userID)
	b.click(radio)
	b.click(`form button[type=submit]`)
	b.waitText("#who", name)
}

// path is the page's path and query.
func (b *browser) path() string {
	return eval[string](b, `location.pathname + location.search`)
}

func mustContain(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("%q does not contain %q", got, want)
	}
}

func mustNotContain(t *testing.T, got, unwanted string) {
	t.Helper()
	if strings.Contains(got, unwanted) {
		t.Fatalf("%q contains %q", got, unwanted)
	}
}

// setValue sets a field's value and tells the page, as a date picker does.
func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	b.waitVisible(sel)
	eval[chromedp.Void](b, fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.value = %s; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`, js(sel), js(value)))
}

// tabTo presses Tab until the element the selector names has the focus,
// as a keyboard user does; at most max times.
func (b *browser) tabTo(sel string, max int) {
	b.t.Helper()
	is := fmt.Sprintf(`document.activeElement && document.activeElement.matches(%s)`, js(sel))
	for range max {
		if eval[bool](b, is) {
			return
		}
		b.key("\t")
	}
	b.t.Fatalf("%d presses of Tab did not reach %s; the focus is on %s", max, sel, b.focused())
}

// hover moves the mouse over the element.
func (b *browser) hover(sel string) {
	b.t.Helper()
	b.waitVisible(sel)
	xy := eval[[]float64](b, fmt.Sprintf(`(() => { const r = document.querySelector(%s).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, js(sel)))
	b.do(chromedp.MouseEvent(chromedp.MouseMoved, xy[0], xy[1]))
}

// apiGet reads the JSON API from the page, with the page's token.
func apiGet[T any](b *browser, path string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	expr := fmt.Sprintf(`fetch(%s, {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('crmconvert.token')}}).then((r) => r.json())`, js(path))
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("GET %s from the page: %v", path, err)
	}
	return v
}
