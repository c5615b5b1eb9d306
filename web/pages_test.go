package web_test

// The pages driven in a real headless Chromium against the real service:
// a Temporal dev server, PostgreSQL with the demo data, the worker, and the
// API serving the pages. Each test takes screenshots of what it shows (see
// the -screenshots flag in browser_test.go).

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/crm/demo"
)

// item is the id of the demo opportunity item numbered n (f0…0n).
func item(n int) string { return fmt.Sprintf("f0000000-0000-4000-8000-%012d", n) }

func oppPath(id string) string { return "/app/opportunities/" + id }

// startConversion opens the opportunity and clicks "Convert to Order".
func (b *browser) startConversion(oppID string) {
	b.t.Helper()
	b.open(oppPath(oppID))
	b.click("[data-action=convert]")
	b.waitVisible("form[data-step=mapping]")
}

// next clicks the step's Next button and waits for the following step.
func (b *browser) next(step string) {
	b.t.Helper()
	b.click("[data-action=next]")
	b.waitVisible("form[data-step=" + step + "]")
}

// TestConversionByClicking walks the whole process of the seed as Sam, the
// opportunity's owner: sign in, find the opportunity by keyword, convert it
// (mapping, products, draft with edits, save), close it as won, and open the
// order.
func TestConversionByClicking(t *testing.T) {
	s := newStack(t)
	b := openBrowser(t, s.url)

	b.open("/")
	b.waitVisible("input[name=user]")
	mustContain(t, b.path(), "/app/signin?next=")
	b.shot("01-sign-in")
	b.signIn(demo.Sam, "Sam Seller")
	if p := b.path(); p != "/app/" {
		t.Fatalf("after sign-in at %s, want /app/", p)
	}
	b.waitText("main", "You have no conversion under way")

	// Opportunities: search by keyword.
	b.click("nav a[data-nav=opportunities]")
	b.typeInto("input[name=q]", "initech")
	b.click("form[role=search] button[type=submit]")
	b.waitText("main", "OPP-000004")
	hits := b.text("table.hits tbody")
	mustContain(t, hits, "Initech renewal")
	mustNotContain(t, hits, "Umbrella")
	b.shot("02-opportunities-search")

	// The opportunity, with its items and what remains of each.
	b.click(fmt.Sprintf(`table.hits a.num[href=%q]`, oppPath(demo.InitechRenewal)))
	b.waitVisible("[data-action=convert]")
	mustContain(t, b.text("main"), "Widget (WID-100)")
	b.shot("03-opportunity")

	// Step 1: the mapping, proposed from same-name fields, with a preview.
	b.click("[data-action=convert]")
	b.waitVisible("form[data-step=mapping]")
	mustContain(t, b.text("h1"), "Step 1 of 4: Field mapping")
	if v := eval[string](b, `document.querySelector('select[name="order.currency"]').value`); v != "opportunity.currency" {
		t.Fatalf("order.currency is pre-selected from %q, want opportunity.currency", v)
	}
	b.selectOption(`select[name="order.title"]`, "opportunity.name")
	b.waitText(`tr:has(select[name="order.title"]) output`, "Initech renewal")
	b.selectOption(`select[name="order.notes"]`, "opportunity.description")
	b.waitText(`tr:has(select[name="order.notes"]) output`, "Yearly renewal of widgets")
	mustContain(t, b.text(`tr:has(select[name="order.customer_id"]) output`), "Initech")
	b.shot("04-step1-mapping")

	// Step 2: products, with quantities; the cable is left out.
	b.next("products")
	b.typeInto(fmt.Sprintf(`input[name="qty:%s"]`, item(1)), "4")
	b.click(fmt.Sprintf(`input[name=pick][value=%q]`, item(3)))
	if eval[bool](b, fmt.Sprintf(`document.querySelector('input[name="qty:%s"]').disabled`, item(3))) != true {
		t.Fatal("an unchecked item's quantity stays editable")
	}
	b.shot("05-step2-products")

	// Step 3: the draft, prefilled; totals by the service, then an estimate while typing.
	b.next("draft")
	if v := eval[string](b, `document.querySelector('[name=title]').value`); v != "Initech renewal" {
		t.Fatalf("title = %q, want the mapped opportunity name", v)
	}
	b.waitText("[data-total=total]", "650.88 EUR") // 4 × 19.99 − 10 % + 5 × 95.00, plus 19 % tax
	mustContain(t, b.text(".totals"), "Computed by the service")
	b.shot("06-step3-draft")

	// The opportunity the order is made from opens in a new tab, signed in
	// (seed step 4).
	// The opportunity the order is made from opens in a new tab, signed in
	// (seed step 4). The tab is named, so this page can look into it.
	b.click("form.draft a.opp-tab")
	tabName := "opportunity-" + demo.InitechRenewal
	b.waitFor("the opportunity in a new tab, signed in", fmt.Sprintf(`(() => {
		const w = window.open('', %s);
		try {
			const button = w.document.querySelector('[data-action=convert]');
			return w !== window && w.location.pathname === %s && !!button && button.innerText.includes('Resume conversion')
				&& w.document.querySelector('#who').innerText.includes('Sam Seller');
		} catch { return false; }
	})()`, js(tabName), js(oppPath(demo.InitechRenewal))))
	eval[chromedp.Void](b, fmt.Sprintf(`window.open('', %s).close()`, js(tabName)))

	b.typeInto(fmt.Sprintf(`input[name="line:%s:unit_price"]`, item(2)), "90.00")
	b.waitText("[data-total=total]", "621.13 EUR")
	mustContain(t, b.text(".totals"), "Estimate")
	b.typeInto("[name=notes]", "Deliver to the loading dock")
	b.setValue("[name=delivery_date]", "2027-01-15")
	b.shot("07-step3-draft-edited")

	// Save: Sam owns the opportunity, so the conversion asks whether to close it.
	b.click("[data-action=save]")
	b.waitVisible("[data-action=close-yes]")
	mustContain(t, b.text("h1"), "Step 4 of 4")
	mustContain(t, b.text("main"), "Close opportunity OPP-000001 as won?")
	b.shot("08-step4-close-prompt")
	b.click("[data-action=close-yes]")
	b.waitText("main", "is closed as won")
	number := eval[string](b, `document.querySelector('.result a[data-order]').dataset.order`)
	mustContain(t, b.text(".result"), "Order "+number+" created")
	b.shot("09-result")

	// The order, with the service's totals and its opportunity.
	b.click(".result a[data-order]")
	b.waitText("main", number)
	b.waitText("main", "621.13 EUR")
	mustContain(t, b.text("[data-field=opportunity] dd"), "OPP-000001")
	mustContain(t, b.text(".changes"), "OPP-000001")
	b.shot("10-order")

	opp, err := s.store.Opportunity(t.Context(), demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatal(err)
	}
	if opp.Status != "won" || len(opp.Orders) != 1 || opp.Orders[0].Number != number || opp.Orders[0].Total.String() != "621.13" {
		t.Fatalf("after the conversion: opportunity %s with orders %+v", opp.Status, opp.Orders)
	}
}

// TestOrderPageSetsOpportunity follows the seed's second procedure: on an
// existing order, the pencil next to its opportunity sets one found by
// keyword and closes it; the change log shows it.
func TestOrderPageSetsOpportunity(t *testing.T) {
	s := newStack(t)
	b := openBrowser(t, s.url)
	b.signIn(demo.Sam, "Sam Seller")
	b.open("/app/orders/" + demo.SpareWidgetsOrder)
	b.waitText("main", "SO-2025-000042")
	mustContain(t, b.text("[data-field=opportunity] dd"), "None")
	if o := eval[string](b, `getComputedStyle(document.querySelector('.pencil')).opacity`); o != "0" {
		t.Fatalf("the pencil shows (opacity %s) before the mouse passes over", o)
	}
	b.hover("[data-field=opportunity] dd")
	b.waitFor("the pencil to show", `getComputedStyle(document.querySelector('.pencil')).opacity === '1'`)
	b.shot("11-order-pencil")

	b.click("[data-action=edit-opportunity]")
	b.waitVisible("dialog[open] input[name=q]")
	b.typeInto("dialog[open] input[name=q]", "umbrella")
	b.key("\r")
	radio := fmt.Sprintf(`dialog[open] input[name=opportunity][value=%q]`, demo.UmbrellaLab)
	b.click(radio)
	b.waitFor("the close option to be offered", `!document.querySelector('dialog[open] input[name=close_opportunity]').disabled`)
	b.click("dialog[open] input[name=close_opportunity]")
	b.shotViewport("12-order-set-opportunity")
	b.click("dialog[open] button[type=submit]")
	b.waitText("[data-field=opportunity] dd", "OPP-000002")
	b.waitText(".changes", "OPP-000002")
	b.shot("13-order-linked")

	opp, err := s.store.Opportunity(t.Context(), demo.Acme, demo.UmbrellaLab)
	if err != nil {
		t.Fatal(err)
	}
	if opp.Status != "won" {
		t.Fatalf("OPP-000002 is %s, want won", opp.Status)
	}
}

// TestResumeAfterWorkerRestart leaves a conversion half-way, restarts the
// worker, and resumes it from "My conversions" in a new browser, where it
// was: the mapping accepted, at the products step.
func TestResumeAfterWorkerRestart(t *testing.T) {
	s := newStack(t)
	b := openBrowser(t, s.url)
	b.signIn(demo.Sam, "Sam Seller")
	b.startConversion(demo.UmbrellaLab)
	b.selectOption(`select[name="order.title"]`, "opportunity.name")
	b.next("products")

	// The worker goes away (a deploy); the browser is closed.
	s.stopWorker()
	b2 := openBrowser(t, s.url)
	b2.signIn(demo.Sam, "Sam Seller")
	// Visibility is eventually consistent: the list may lag a second.
	deadline := time.Now().Add(20 * time.Second)
	for !eval[bool](b2, `!!document.querySelector('table.conversions') && document.querySelector('table.conversions').innerText.includes('Step 2 of 4: Products')`) {
		if time.Now().After(deadline) {
			t.Fatalf("My conversions does not list the conversion at products:\n%s", b2.snapshot())
		}
		time.Sleep(300 * time.Millisecond)
		b2.open("/app/")
		b2.waitFor("the list", `!!document.querySelector('table.conversions, .empty')`)
	}
	row := b2.text("table.conversions tbody tr")
	mustContain(t, row, "OPP-000002")
	mustContain(t, row, "Umbrella Corporation")
	b2.shot("14-my-conversions")

	// The worker is back; Resume opens the conversion where it was.
	s.startWorker()
	b2.click(`a[aria-label^="Resume the conversion of OPP-000002"]`)
	b2.waitVisible("form[data-step=products]")
	mustContain(t, b2.text("h1"), "Step 2 of 4: Products")
	b2.shot("15-resumed")
	b2.click("[data-action=back]")
	b2.waitVisible("form[data-step=mapping]")
	mustContain(t, b2.text("form[data-step=mapping]"), "This is the mapping you accepted.")
	if v := eval[string](b2, `document.querySelector('select[name="order.title"]').value`); v != "opportunity.name" {
		t.Fatalf("the accepted mapping was not kept: order.title from %q", v)
	}
	b2.next("products")
	b2.next("draft")
	b2.click("[data-action=save]")
	b2.click("[data-action=close-no]")
	b2.waitText("main", "OPP-000002 stays open.")
}

// TestValidationErrors shows the rules broken next to the fields at fault:
// "at least one item must be checked" before anything is sent, a quantity
// over what remains from the service's problem+json, and a currency that
// is no ISO 4217 code in the draft. It ends by cancelling.
func TestValidationErrors(t *testing.T) {
	s := newStack(t)
	b := openBrowser(t, s.url)
	b.signIn(demo.Sam, "Sam Seller")
	b.startConversion(demo.StarkSupport)
	b.next("products")
	convPath := "/v1/opportunities/" + demo.StarkSupport + "/conversion"
	before := apiGet[map[string]any](b, convPath)["version"]

	// No item checked: said at once, nothing sent.
	b.click("th.check-col input[type=checkbox]") // every item off
	b.click("[data-action=next]")
	b.waitText("[data-error-for=items]", "At least one item must be checked.")
	if after := apiGet[map[string]any](b, convPath)["version"]; after != before {
		t.Fatalf("the empty pick was sent: version %v, then %v", before, after)
	}
	b.shot("16-products-at-least-one")

	// Too much: the service's refusal, next to the quantity at fault.
	b.click(fmt.Sprintf(`input[name=pick][value=%q]`, item(8)))
	b.typeInto(fmt.Sprintf(`input[name="qty:%s"]`, item(8)), "3")
	b.click("[data-action=next]")
	slot := fmt.Sprintf(`[data-error-for="qty:%s"]`, item(8))
	b.waitText(slot, "At most 1 remain")
	if !eval[bool](b, fmt.Sprintf(`document.querySelector('input[name="qty:%s"]').getAttribute('aria-invalid') === 'true' && document.activeElement.name === 'qty:%s'`, item(8), item(8))) {
		t.Fatal("the quantity at fault is not marked invalid and focused")
	}
	sameRow := eval[bool](b, fmt.Sprintf(`document.querySelector(%s).closest('tr') === document.querySelector('input[name="qty:%s"]').closest('tr')`, js(slot), item(8)))
	if !sameRow {
		t.Fatal("the error is not next to its field")
	}
	b.shot("17-products-quantity-error")
	b.narrow(func() { b.shot("18-products-narrow") })

	// The draft: a currency that is no code, refused next to the field.
	b.typeInto(fmt.Sprintf(`input[name="qty:%s"]`, item(8)), "1")
	b.next("draft")
	b.typeInto("[name=currency]", "EUX")
	b.click("[data-action=apply]")
	b.waitText(`[data-error-for=currency]`, "Not an ISO 4217 currency code")
	b.shot("19-draft-field-error")

	// Cancel, confirmed in a dialog: back to the opportunity, no order.
	b.click("[data-action=cancel]")
	b.waitVisible("dialog[open]")
	b.shotViewport("20-cancel-dialog")
	b.click("dialog[open] button[value=yes]")
	b.waitVisible("[data-action=convert]")
	b.waitText("#toast", "cancelled")
	opp, err := s.store.Opportunity(t.Context(), demo.Acme, demo.StarkSupport)
	if err != nil {
		t.Fatal(err)
	}
	if len(opp.Orders) != 0 {
		t.Fatalf("a cancelled conversion made orders: %+v", opp.Orders)
	}
}

// TestNoClosePromptForNonOwner converts as Mia, who may add orders but does
// not own the opportunity: after save there is no close prompt, and the
// opportunity stays open. She works with the keyboard only.
func TestNoClosePromptForNonOwner(t *testing.T) {
	s := newStack(t)
	b := openBrowser(t, s.url)
	b.signIn(demo.Mia, "Mia Member")
	b.open(oppPath(demo.InitechRenewal))
	b.waitVisible("[data-action=convert]")
	b.tabTo("[data-action=convert]", 30)
	b.key("\r")
	b.waitVisible("form[data-step=mapping]")
	b.tabTo("[data-action=next]", 80)
	b.key("\r")
	b.waitVisible("form[data-step=products]")
	b.tabTo(fmt.Sprintf(`input[name=pick][value=%q]`, item(3)), 40)
	b.key(" ") // leave the cable out
	if eval[bool](b, fmt.Sprintf(`document.querySelector('input[name=pick][value=%q]').checked`, item(3))) {
		t.Fatal("Space did not uncheck the item")
	}
	b.tabTo("[data-action=next]", 40)
	b.key("\r")
	b.waitVisible("form[data-step=draft]")
	b.tabTo("[data-action=save]", 120)
	b.key("\r")
	b.waitText("main", "created")
	if eval[bool](b, `!!document.querySelector('[data-action=close-yes], [data-action=close-no]')`) {
		t.Fatal("the close prompt shows for a user who may not close the opportunity")
	}
	mustContain(t, b.text(".result"), "OPP-000001 stays open: only its owner (Sam Seller) or an admin may close it.")
	mustNotContain(t, b.text("main"), "Close opportunity")
	b.shot("21-result-non-owner")

	opp, err := s.store.Opportunity(t.Context(), demo.Acme, demo.InitechRenewal)
	if err != nil {
		t.Fatal(err)
	}
	if opp.Status != "open" || len(opp.Orders) != 1 {
		t.Fatalf("after Mia's conversion: %s with %d orders, want open with 1", opp.Status, len(opp.Orders))
	}
}

// TestConvertButtonSaysWhyNot: the button is disabled, with the reason next
// to it, for a user without order:create and for an opportunity without items.
func TestConvertButtonSaysWhyNot(t *testing.T) {
	s := newStack(t)
	b := openBrowser(t, s.url)
	b.signIn(demo.Vic, "Vic Viewer")
	b.open(oppPath(demo.InitechRenewal))
	b.waitVisible("[data-action=convert]")
	if !eval[bool](b, `document.querySelector('[data-action=convert]').disabled`) {
		t.Fatal("Vic may click Convert to Order")
	}
	mustContain(t, b.text(".head-action .reason"), "You need the permission to add orders (order:create)")
	b.shot("22-convert-disabled-permission")

	b.signIn(demo.Sam, "Sam Seller")
	b.open(oppPath(demo.StarkPilot))
	b.waitVisible("[data-action=convert]")
	if !eval[bool](b, `document.querySelector('[data-action=convert]').disabled`) {
		t.Fatal("an opportunity without items may be converted")
	}
	mustContain(t, b.text(".head-action .reason"), "Opportunities without any details cannot be converted: complete the data first.")
	b.shot("23-convert-disabled-no-items")
}

// TestTokenFromTheCRM: outside development mode there is no sign-in page;
// the CRM passes the token in the URL fragment, which the page keeps in
// the tab's sessionStorage and removes from the address at once.
func TestTokenFromTheCRM(t *testing.T) {
	s := newStack(t, func(c *api.Config) { c.DevSignIn = false })
	b := openBrowser(t, s.url)
	b.open("/app/")
	b.waitText("main", "Sign in through your CRM")
	b.shot("24-sign-in-through-crm")

	token, err := api.IssueToken(testSecret, demo.Sam, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b.open(oppPath(demo.InitechRenewal) + "#token=" + token)
	b.waitText("#who", "Sam Seller")
	b.waitVisible("[data-action=convert]")
	if href := eval[string](b, `location.href`); href != s.url+oppPath(demo.InitechRenewal) {
		t.Fatalf("the token stays in the address: %s", href)
	}
	if eval[string](b, `sessionStorage.getItem('crmconvert.token')`) != token {
		t.Fatal("the token is not kept in sessionStorage")
	}
	// A token that is no longer valid signs the user out with the reason.
	eval[chromedp.Void](b, `sessionStorage.setItem('crmconvert.token', 'not-a-token')`)
	b.open("/app/")
	b.waitText("main", "You are signed out")
}
