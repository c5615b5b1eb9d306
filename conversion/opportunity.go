package conversion

import "github.com/shopspring/decimal"

// Opportunity is the snapshot of an opportunity that a conversion works from,
// read once when the conversion starts.
type Opportunity struct {
	ID                string           `json:"id"`
	OrganizationID    string           `json:"organization_id"`
	Number            string           `json:"number"`
	Name              string           `json:"name"`
	CustomerID        string           `json:"customer_id,omitempty"`
	CustomerName      string           `json:"customer_name,omitempty"`
	ContactName       string           `json:"contact_name,omitempty"`
	OwnerID           string           `json:"owner_id"`
	OwnerName         string           `json:"owner_name,omitempty"`
	Status            string           `json:"status"`
	Currency          string           `json:"currency,omitempty"`
	ExpectedCloseDate string           `json:"expected_close_date,omitempty"` // YYYY-MM-DD
	Amount            *decimal.Decimal `json:"amount,omitempty"`
	Description       string           `json:"description,omitempty"`
	ShippingAddress   string           `json:"shipping_address,omitempty"`
	BillingAddress    string           `json:"billing_address,omitempty"`
	PaymentTerms      string           `json:"payment_terms,omitempty"`
	Custom            map[string]any   `json:"custom,omitempty"`
	Items             []Item           `json:"items"`
}

// Item is one of the opportunity's details, with what is left of it to order.
type Item struct {
	ID              string          `json:"id"`
	ProductID       string          `json:"product_id,omitempty"`
	SKU             string          `json:"sku,omitempty"`
	ProductName     string          `json:"product_name,omitempty"`
	Unit            string          `json:"unit,omitempty"`
	Description     string          `json:"description,omitempty"`
	Quantity        decimal.Decimal `json:"quantity"`
	UnitPrice       decimal.Decimal `json:"unit_price"`
	DiscountPercent decimal.Decimal `json:"discount_percent"`
	TaxRate         decimal.Decimal `json:"tax_rate"`
	// Remaining is Quantity less what earlier orders from this opportunity took.
	Remaining decimal.Decimal `json:"remaining_quantity"`
}

// Item returns the item with the given id.
func (o *Opportunity) Item(id string) (Item, bool) {
	for _, it := range o.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// Remaining is what is left of an item's quantity once earlier orders took
// theirs; never below zero.
func Remaining(quantity, taken decimal.Decimal) decimal.Decimal {
	left := quantity.Sub(taken)
	if left.IsNegative() {
		return decimal.Zero
	}
	return left
}

// HasRemaining reports whether any item still has something left to order.
func (o *Opportunity) HasRemaining() bool {
	for _, it := range o.Items {
		if it.Remaining.IsPositive() {
			return true
		}
	}
	return false
}

// Convertible says why an opportunity cannot be converted, or nil when it can.
func (o *Opportunity) Convertible() error {
	if len(o.Items) == 0 {
		return &Error{Kind: KindInvalid,
			Detail: "opportunities without any details cannot be converted: complete the data first",
			Fields: []FieldError{{Field: "items", Message: "the opportunity has no items"}}}
	}
	if !o.HasRemaining() {
		return Refuse(KindConflict, "every item of opportunity %s is already ordered in full: nothing remains to convert", o.Number)
	}
	return nil
}
