package api

import (
	"time"

	"github.com/crmconvert/crmconvert/crm"
)

// opportunityBody is an opportunity as GET /v1/opportunities/{id} shows it.
type opportunityBody struct {
	ID                string             `json:"id"`
	Number            string             `json:"number"`
	Name              string             `json:"name"`
	Customer          *ref               `json:"customer"`
	ContactName       string             `json:"contact_name"`
	Owner             ref                `json:"owner"`
	Status            string             `json:"status"`
	Currency          string             `json:"currency"`
	ExpectedCloseDate *string            `json:"expected_close_date"`
	Amount            *string            `json:"amount"`
	Description       string             `json:"description"`
	ShippingAddress   string             `json:"shipping_address"`
	BillingAddress    string             `json:"billing_address"`
	PaymentTerms      string             `json:"payment_terms"`
	Custom            map[string]any     `json:"custom"`
	ClosedAt          *time.Time         `json:"closed_at"`
	ClosedBy          *ref               `json:"closed_by"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	Items             []itemBody         `json:"items"`
	Orders            []orderSummaryBody `json:"orders"`
}

type orderSummaryBody struct {
	ID        string    `json:"id"`
	Number    string    `json:"number"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	OrderDate string    `json:"order_date"`
	Currency  string    `json:"currency"`
	Total     string    `json:"total"`
	CreatedAt time.Time `json:"created_at"`
}

// orderBody is an order as GET /v1/orders/{id} shows it.
type orderBody struct {
	ID              string          `json:"id"`
	Number          string          `json:"number"`
	Title           string          `json:"title"`
	Customer        ref             `json:"customer"`
	ContactName     string          `json:"contact_name"`
	Currency        string          `json:"currency"`
	OrderDate       string          `json:"order_date"`
	DeliveryDate    *string         `json:"delivery_date"`
	ShippingAddress string          `json:"shipping_address"`
	BillingAddress  string          `json:"billing_address"`
	PaymentTerms    string          `json:"payment_terms"`
	Notes           string          `json:"notes"`
	Custom          map[string]any  `json:"custom"`
	Status          string          `json:"status"`
	Opportunity     *numberNameRef  `json:"opportunity"`
	CreatedBy       ref             `json:"created_by"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Items           []orderItemBody `json:"items"`
	Totals          totalsBody      `json:"totals"`
}

type numberNameRef struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Name   string `json:"name"`
}

type orderItemBody struct {
	ID                string       `json:"id"`
	Position          int          `json:"position"`
	Product           *productBody `json:"product"`
	Description       string       `json:"description"`
	Quantity          string       `json:"quantity"`
	UnitPrice         string       `json:"unit_price"`
	DiscountPercent   string       `json:"discount_percent"`
	TaxRate           string       `json:"tax_rate"`
	LineTotal         string       `json:"line_total"`
	OpportunityItemID *string      `json:"opportunity_item_id"`
}

func renderOpportunity(o *crm.OpportunityDetail) opportunityBody {
	b := opportunityBody{
		ID: o.ID, Number: o.Number, Name: o.Name,
		ContactName:       o.ContactName,
		Owner:             ref{ID: o.OwnerID, Name: o.OwnerName},
		Status:            o.Status,
		Currency:          o.Currency,
		ExpectedCloseDate: optional(o.ExpectedCloseDate),
		Description:       o.Description,
		ShippingAddress:   o.ShippingAddress,
		BillingAddress:    o.BillingAddress,
		PaymentTerms:      o.PaymentTerms,
		Custom:            o.Custom,
		ClosedAt:          o.ClosedAt,
		CreatedAt:         o.CreatedAt,
		UpdatedAt:         o.UpdatedAt,
		Items:             make([]itemBody, 0, len(o.Items)),
		Orders:            make([]orderSummaryBody, 0, len(o.Orders)),
	}
	if o.CustomerID != "" {
		b.Customer = &ref{ID: o.CustomerID, Name: o.CustomerName}
	}
	if o.Amount != nil {
		amount := money(*o.Amount, o.Currency)
		b.Amount = &amount
	}
	if b.Custom == nil {
		b.Custom = map[string]any{}
	}
	if o.ClosedBy != "" {
		b.ClosedBy = &ref{ID: o.ClosedBy, Name: o.ClosedByName}
	}
	for _, it := range o.Items {
		b.Items = append(b.Items, itemBody{
			ID:                it.ID,
			Product:           productOf(it),
			Description:       it.Description,
			Quantity:          quantity(it.Quantity),
			RemainingQuantity: quantity(it.Remaining),
			UnitPrice:         money(it.UnitPrice, o.Currency),
			DiscountPercent:   quantity(it.DiscountPercent),
			TaxRate:           quantity(it.TaxRate),
		})
	}
	for _, ord := range o.Orders {
		b.Orders = append(b.Orders, orderSummaryBody{
			ID: ord.ID, Number: ord.Number, Title: ord.Title, Status: ord.Status,
			OrderDate: ord.OrderDate, Currency: ord.Currency,
			Total: money(ord.Total, ord.Currency), CreatedAt: ord.CreatedAt,
		})
	}
	return b
}

func renderOrder(o *crm.OrderDetail) orderBody {
	b := orderBody{
		ID: o.ID, Number: o.Number, Title: o.Title,
		Customer:        ref{ID: o.CustomerID, Name: o.CustomerName},
		ContactName:     o.ContactName,
		Currency:        o.Currency,
		OrderDate:       o.OrderDate,
		DeliveryDate:    optional(o.DeliveryDate),
		ShippingAddress: o.ShippingAddress,
		BillingAddress:  o.BillingAddress,
		PaymentTerms:    o.PaymentTerms,
		Notes:           o.Notes,
		Custom:          o.Custom,
		Status:          o.Status,
		CreatedBy:       ref{ID: o.CreatedBy, Name: o.CreatedByName},
		CreatedAt:       o.CreatedAt,
		UpdatedAt:       o.UpdatedAt,
		Items:           make([]orderItemBody, 0, len(o.Items)),
		Totals: totalsBody{
			Currency: o.Currency,
			Subtotal: money(o.Subtotal, o.Currency),
			Tax:      money(o.TaxTotal, o.Currency),
			Total:    money(o.Total, o.Currency),
		},
	}
	if b.Custom == nil {
		b.Custom = map[string]any{}
	}
	if opp := o.Opportunity; opp != nil {
		b.Opportunity = &numberNameRef{ID: opp.ID, Number: opp.Number, Name: opp.Name}
	}
	for _, it := range o.Items {
		item := orderItemBody{
			ID: it.ID, Position: it.Position, Description: it.Description,
			Quantity:          quantity(it.Quantity),
			UnitPrice:         money(it.UnitPrice, o.Currency),
			DiscountPercent:   quantity(it.DiscountPercent),
			TaxRate:           quantity(it.TaxRate),
			LineTotal:         money(it.LineTotal, o.Currency),
			OpportunityItemID: optional(it.OpportunityItemID),
		}
		if it.ProductID != "" {
			item.Product = &productBody{ID: it.ProductID, SKU: it.SKU, Name: it.ProductName, Unit: it.Unit}
		}
		b.Items = append(b.Items, item)
	}
	return b
}

// optional is nil for "", so that an unset value shows as null.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
