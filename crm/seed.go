package crm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// SeedData is a data file of SPEC 6.2: rows to upsert, each with the id the
// file gives it. Decimal amounts are strings ("10.00"), dates "YYYY-MM-DD".
//
// Besides the fields of the example in 6.2, a file may give the other fields
// SPEC 2 names: an opportunity's closed_at and closed_by; an order's contact
// name, delivery date, addresses, payment terms, notes and custom values; a
// user's active flag.
type SeedData struct {
	Organizations []SeedOrganization `json:"organizations"`
	Users         []SeedUser         `json:"users"`
	CustomFields  []SeedCustomField  `json:"custom_fields"`
	Customers     []SeedCustomer     `json:"customers"`
	Products      []SeedProduct      `json:"products"`
	Opportunities []SeedOpportunity  `json:"opportunities"`
	Orders        []SeedOrder        `json:"orders"`
}

// SeedOrganization is an organization of a data file.
type SeedOrganization struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SeedUser is a user of a data file.
type SeedUser struct {
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Name           string   `json:"name"`
	Email          string   `json:"email"`
	Role           string   `json:"role"`
	Permissions    []string `json:"permissions"`
	// Active defaults to true.
	Active *bool `json:"active,omitempty"`
}

// SeedCustomField is a custom field of a data file.
type SeedCustomField struct {
	OrganizationID string `json:"organization_id"`
	Object         string `json:"object"`
	Name           string `json:"name"`
	Type           string `json:"type"`
}

// SeedCustomer is a customer of a data file.
type SeedCustomer struct {
	ID              string `json:"id"`
	OrganizationID  string `json:"organization_id"`
	Name            string `json:"name"`
	ShippingAddress string `json:"shipping_address,omitempty"`
	BillingAddress  string `json:"billing_address,omitempty"`
}

// SeedProduct is a product of a data file.
type SeedProduct struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id"`
	SKU            string `json:"sku"`
	Name           string `json:"name"`
	Unit           string `json:"unit,omitempty"`
	Price          string `json:"price,omitempty"`
}

// SeedOpportunity is an opportunity of a data file, with its items.
type SeedOpportunity struct {
	ID                string         `json:"id"`
	OrganizationID    string         `json:"organization_id"`
	Number            string         `json:"number"`
	Name              string         `json:"name"`
	CustomerID        string         `json:"customer_id,omitempty"`
	ContactName       string         `json:"contact_name,omitempty"`
	OwnerID           string         `json:"owner_id"`
	Status            string         `json:"status,omitempty"` // default "open"
	Currency          string         `json:"currency,omitempty"`
	ExpectedCloseDate string         `json:"expected_close_date,omitempty"`
	Amount            string         `json:"amount,omitempty"`
	Description       string         `json:"description,omitempty"`
	ShippingAddress   string         `json:"shipping_address,omitempty"`
	BillingAddress    string         `json:"billing_address,omitempty"`
	PaymentTerms      string         `json:"payment_terms,omitempty"`
	Custom            map[string]any `json:"custom,omitempty"`
	ClosedAt          string         `json:"closed_at,omitempty"` // RFC 3339
	ClosedBy          string         `json:"closed_by,omitempty"`
	Items             []SeedItem     `json:"items"`
}

// SeedItem is an item of an opportunity or an order in a data file. On an
// order, its line total is computed, never read.
type SeedItem struct {
	ID              string `json:"id"`
	ProductID       string `json:"product_id,omitempty"`
	Description     string `json:"description,omitempty"`
	Quantity        string `json:"quantity"`
	UnitPrice       string `json:"unit_price"`
	DiscountPercent string `json:"discount_percent,omitempty"` // default "0"
	TaxRate         string `json:"tax_rate,omitempty"`         // default "0"
}

// SeedOrder is an existing order of a data file, with its items.
type SeedOrder struct {
	ID              string         `json:"id"`
	OrganizationID  string         `json:"organization_id"`
	Number          string         `json:"number"`
	Title           string         `json:"title,omitempty"`
	CustomerID      string         `json:"customer_id"`
	ContactName     string         `json:"contact_name,omitempty"`
	Currency        string         `json:"currency"`
	OrderDate       string         `json:"order_date"`
	DeliveryDate    string         `json:"delivery_date,omitempty"`
	ShippingAddress string         `json:"shipping_address,omitempty"`
	BillingAddress  string         `json:"billing_address,omitempty"`
	PaymentTerms    string         `json:"payment_terms,omitempty"`
	Notes           string         `json:"notes,omitempty"`
	Custom          map[string]any `json:"custom,omitempty"`
	Status          string         `json:"status,omitempty"` // default "draft"
	OpportunityID   string         `json:"opportunity_id,omitempty"`
	CreatedBy       string         `json:"created_by"`
	Items           []SeedItem     `json:"items"`
}

// LoadSeed reads and checks a data file. Its errors name the place at fault:
// a line for malformed JSON, a path such as
// "opportunities[2].items[0].quantity" for a broken rule.
func LoadSeed(r io.Reader) (*SeedData, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read data file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	dec.UseNumber() // custom values keep their digits
	data := new(SeedData)
	if err := dec.Decode(data); err != nil {
		return nil, fmt.Errorf("data file: %s", jsonErrorAt(src, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data file: line %d: more after the end of the document", lineAt(src, dec.InputOffset()))
	}
	if err := data.Validate(); err != nil {
		return nil, err
	}
	return data, nil
}

// jsonErrorAt describes a decoding error with the line it happened on.
func jsonErrorAt(src []byte, err error) string {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("line %d: %v", lineAt(src, syntaxErr.Offset), err)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("line %d: %s: a JSON %s where a %s belongs", lineAt(src, typeErr.Offset), typeErr.Field, typeErr.Value, typeErr.Type)
	default:
		return err.Error()
	}
}

func lineAt(src []byte, offset int64) int {
	return bytes.Count(src[:min(int(offset), len(src))], []byte("\n")) + 1
}
