package crm

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
)

// customFieldName is what a custom field may be called; the schema checks
// the same.
var customFieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate checks the rules a data file must keep that need no database:
// ids are UUIDs and unique, required fields are there, enumerations, dates,
// decimals and currencies are valid, and references to rows of the same file
// stay within one organization. All broken rules are reported together.
func (d *SeedData) Validate() error {
	v := &seedValidator{orgOf: map[string]string{}, seen: map[string]string{}}
	for i, o := range d.Organizations {
		at := fmt.Sprintf("organizations[%d]", i)
		v.newID(at, "organization", o.ID, o.ID)
		v.required(at+".name", o.Name)
	}
	emails := map[string]string{}
	for i, u := range d.Users {
		at := fmt.Sprintf("users[%d]", i)
		v.newID(at, "user", u.ID, u.OrganizationID)
		v.id(at+".organization_id", u.OrganizationID)
		v.required(at+".name", u.Name)
		switch email := strings.ToLower(u.Email); {
		case !strings.Contains(email, "@"):
			v.fail(at+".email", "not an email address")
		case emails[email] != "":
			v.fail(at+".email", "%s has it already", emails[email])
		default:
			emails[email] = at
		}
		v.oneOf(at+".role", u.Role, RoleAdmin, RoleMember)
		for j, p := range u.Permissions {
			v.oneOf(fmt.Sprintf("%s.permissions[%d]", at, j), p, PermOrderCreate, PermOrderUpdate)
		}
	}
	for i, f := range d.CustomFields {
		at := fmt.Sprintf("custom_fields[%d]", i)
		v.id(at+".organization_id", f.OrganizationID)
		v.oneOf(at+".object", f.Object, ObjectOpportunity, ObjectOrder)
		if !customFieldName.MatchString(f.Name) {
			v.fail(at+".name", "not a field name (letters, digits and _)")
		}
		v.oneOf(at+".type", f.Type, customTypeNames()...)
		v.newKey(at, "custom field", f.OrganizationID+"/"+f.Object+"/"+f.Name)
	}
	for i, c := range d.Customers {
		at := fmt.Sprintf("customers[%d]", i)
		v.newID(at, "customer", c.ID, c.OrganizationID)
		v.id(at+".organization_id", c.OrganizationID)
		v.required(at+".name", c.Name)
	}
	for i, p := range d.Products {
		at := fmt.Sprintf("products[%d]", i)
		v.newID(at, "product", p.ID, p.OrganizationID)
		v.id(at+".organization_id", p.OrganizationID)
		v.required(at+".sku", p.SKU)
		v.required(at+".name", p.Name)
		v.amount(at+".price", p.Price, false)
		v.newKey(at+".sku", "product sku", p.OrganizationID+"/"+p.SKU)
	}
	for i, o := range d.Opportunities {
		at := fmt.Sprintf("opportunities[%d]", i)
		v.newID(at, "opportunity", o.ID, o.OrganizationID)
		v.id(at+".organization_id", o.OrganizationID)
		v.required(at+".number", o.Number)
		v.newKey(at+".number", "opportunity number", o.OrganizationID+"/"+o.Number)
		v.required(at+".name", o.Name)
		v.ref(at+".customer_id", "customer", o.CustomerID, o.OrganizationID, false)
		v.ref(at+".owner_id", "user", o.OwnerID, o.OrganizationID, true)
		v.oneOf(at+".status", cmp.Or(o.Status, StatusOpen), StatusOpen, StatusWon, StatusLost)
		v.currency(at+".currency", o.Currency, false)
		v.date(at+".expected_close_date", o.ExpectedCloseDate, false)
		v.amount(at+".amount", o.Amount, false)
		v.custom(at+".custom", o.Custom)
		if o.ClosedAt != "" {
			if _, err := time.Parse(time.RFC3339, o.ClosedAt); err != nil {
				v.fail(at+".closed_at", "not a time (RFC 3339)")
			}
		}
		v.ref(at+".closed_by", "user", o.ClosedBy, o.OrganizationID, false)
		if cmp.Or(o.Status, StatusOpen) == StatusOpen && (o.ClosedAt != "" || o.ClosedBy != "") {
			v.fail(at+".status", "an open opportunity has no closed_at or closed_by")
		}
		for j, it := range o.Items {
			v.item(fmt.Sprintf("%s.items[%d]", at, j), "opportunity item", it, o.OrganizationID)
		}
	}
	for i, o := range d.Orders {
		at := fmt.Sprintf("orders[%d]", i)
		v.newID(at, "order", o.ID, o.OrganizationID)
		v.id(at+".organization_id", o.OrganizationID)
		v.required(at+".number", o.Number)
		v.newKey(at+".number", "order number", o.OrganizationID+"/"+o.Number)
		v.ref(at+".customer_id", "customer", o.CustomerID, o.OrganizationID, true)
		v.currency(at+".currency", o.Currency, true)
		v.date(at+".order_date", o.OrderDate, true)
		v.date(at+".delivery_date", o.DeliveryDate, false)
		v.custom(at+".custom", o.Custom)
		v.oneOf(at+".status", cmp.Or(o.Status, OrderDraft), OrderDraft, OrderConfirmed, OrderShipped, OrderCancelled)
		v.ref(at+".opportunity_id", "opportunity", o.OpportunityID, o.OrganizationID, false)
		v.ref(at+".created_by", "user", o.CreatedBy, o.OrganizationID, true)
		for j, it := range o.Items {
			v.item(fmt.Sprintf("%s.items[%d]", at, j), "order item", it, o.OrganizationID)
		}
	}
	if len(v.errs) > 0 {
		return fmt.Errorf("data file: %w", errors.Join(v.errs...))
	}
	return nil
}

// seedValidator collects the broken rules of a data file.
type seedValidator struct {
	errs  []error
	orgOf map[string]string // row id → its organization
	seen  map[string]string // "kind id" → the path that defined it
}

func (v *seedValidator) fail(at, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", at, fmt.Sprintf(format, args...)))
}

func (v *seedValidator) id(at, id string) bool {
	if !validID(id) {
		v.fail(at, "not a UUID")
		return false
	}
	return true
}

// newID checks the id of a row the file defines, and remembers its organization.
func (v *seedValidator) newID(at, kind, id, orgID string) {
	if v.id(at+".id", id) {
		v.newKey(at+".id", kind, id)
		v.orgOf[kind+" "+id] = orgID
	}
}

// newKey checks that no other row of the kind has the same key.
func (v *seedValidator) newKey(at, kind, key string) {
	if first, dup := v.seen[kind+" "+key]; dup {
		v.fail(at, "the same %s as %s", kind, first)
		return
	}
	v.seen[kind+" "+key] = at
}

// ref checks a reference to a row of the kind; one the file defines must be
// of the same organization (one it does not define must exist already).
func (v *seedValidator) ref(at, kind, id, orgID string, required bool) {
	if id == "" {
		if required {
			v.fail(at, "required")
		}
		return
	}
	if !v.id(at, id) {
		return
	}
	if org, ok := v.orgOf[kind+" "+id]; ok && org != orgID {
		v.fail(at, "a %s of another organization", kind)
	}
}

func (v *seedValidator) required(at, s string) {
	if strings.TrimSpace(s) == "" {
		v.fail(at, "required")
	}
}

func (v *seedValidator) oneOf(at, s string, allowed ...string) {
	if !slices.Contains(allowed, s) {
		v.fail(at, "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}

func (v *seedValidator) currency(at, code string, required bool) {
	switch {
	case code == "" && required:
		v.fail(at, "required")
	case code != "" && (!conversion.ValidCurrency(code) || strings.ToUpper(code) != code):
		v.fail(at, "not an ISO 4217 currency code")
	}
}

func (v *seedValidator) date(at, s string, required bool) {
	switch {
	case s == "" && required:
		v.fail(at, "required")
	case s != "" && !validDate(s):
		v.fail(at, "not a date (YYYY-MM-DD)")
	}
}

// amount checks a decimal that must not be negative.
func (v *seedValidator) amount(at, s string, required bool) {
	if s == "" {
		if required {
			v.fail(at, "required")
		}
		return
	}
	d, err := decimal.NewFromString(s)
	switch {
	case err != nil:
		v.fail(at, "not a decimal")
	case d.IsNegative():
		v.fail(at, "must not be negative")
	default:
		if msg := checkDecimal(d); msg != "" {
			v.fail(at, "%s", msg)
		}
	}
}

// item checks an opportunity item or an order item; an order's items must
// have a quantity, an opportunity's may be ordered in full already.
func (v *seedValidator) item(at, kind string, it SeedItem, orgID string) {
	v.newID(at, kind, it.ID, orgID)
	v.ref(at+".product_id", "product", it.ProductID, orgID, false)
	v.amount(at+".quantity", it.Quantity, true)
	if q, err := decimal.NewFromString(it.Quantity); err == nil && kind == "order item" && !q.IsPositive() {
		v.fail(at+".quantity", "must be more than 0")
	}
	v.amount(at+".unit_price", it.UnitPrice, true)
	v.amount(at+".discount_percent", it.DiscountPercent, false)
	if d, err := decimal.NewFromString(it.DiscountPercent); err == nil && d.GreaterThan(hundred) {
		v.fail(at+".discount_percent", "more than 100")
	}
	v.amount(at+".tax_rate", it.TaxRate, false)
}

// custom checks that custom values are plain JSON values; whether they fit
// their fields' types is checked against the database when seeding.
func (v *seedValidator) custom(at string, values map[string]any) {
	for _, name := range slices.Sorted(maps.Keys(values)) {
		switch values[name].(type) {
		case string, json.Number, float64, bool, nil:
		default:
			v.fail(at+"."+name, "not a text, number, boolean or null")
		}
	}
}

func customTypeNames() []string {
	names := make([]string, len(conversion.CustomTypes))
	for i, t := range conversion.CustomTypes {
		names[i] = string(t)
	}
	return names
}
