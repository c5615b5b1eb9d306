package api

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
)

// conversionBody is the conversion as the API shows it (SPEC 5).
type conversionBody struct {
	WorkflowID     string               `json:"workflow_id"`
	Step           conversion.Step      `json:"step"`
	Status         conversion.Status    `json:"status"`
	AllowedActions []conversion.Action  `json:"allowed_actions"`
	Version        int                  `json:"version"`
	Opportunity    *opportunitySummary  `json:"opportunity"`
	Mapping        mappingBody          `json:"mapping"`
	Items          []itemBody           `json:"items"`
	Draft          *draftBody           `json:"draft"`
	Order          *conversion.OrderRef `json:"order"`
	ClosePrompt    *closePromptBody     `json:"close_prompt"`
	StartedBy      ref                  `json:"started_by"`
	StartedAt      time.Time            `json:"started_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
	ExpiresAt      time.Time            `json:"expires_at"`
	Saving         bool                 `json:"saving"`
}

// ref names an object by id and name.
type ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type opportunitySummary struct {
	ID       string `json:"id"`
	Number   string `json:"number"`
	Name     string `json:"name"`
	Customer *ref   `json:"customer"`
	Owner    ref    `json:"owner"`
	Status   string `json:"status"`
	Currency string `json:"currency"`
}

type mappingBody struct {
	Pairs    conversion.Mapping `json:"pairs"`
	Accepted bool               `json:"accepted"`
	Sources  []conversion.Field `json:"sources"`
	Targets  []conversion.Field `json:"targets"`
	// Preview is the value each mapped target gets, by target name.
	Preview map[string]string `json:"preview"`
}

type productBody struct {
	ID   string `json:"id"`
	SKU  string `json:"sku"`
	Name string `json:"name"`
	Unit string `json:"unit"`
}

type itemBody struct {
	ID                string       `json:"id"`
	Product           *productBody `json:"product"`
	Description       string       `json:"description"`
	Quantity          string       `json:"quantity"`
	RemainingQuantity string       `json:"remaining_quantity"`
	UnitPrice         string       `json:"unit_price"`
	DiscountPercent   string       `json:"discount_percent"`
	TaxRate           string       `json:"tax_rate"`
	PickedQuantity    string       `json:"picked_quantity"`
}

type draftBody struct {
	// Opportunity is the opportunity the order is made from.
	Opportunity numberRef `json:"opportunity"`
	// Header has every order field, null when unset; Custom every custom order field.
	Header map[string]*string `json:"header"`
	Custom map[string]*string `json:"custom"`
	Lines  []lineBody         `json:"lines"`
	Totals totalsBody         `json:"totals"`
}

type numberRef struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

type lineBody struct {
	OpportunityItemID string       `json:"opportunity_item_id"`
	Product           *productBody `json:"product"`
	Description       string       `json:"description"`
	Quantity          string       `json:"quantity"`
	RemainingQuantity string       `json:"remaining_quantity"`
	UnitPrice         string       `json:"unit_price"`
	DiscountPercent   string       `json:"discount_percent"`
	TaxRate           string       `json:"tax_rate"`
	LineTotal         string       `json:"line_total"`
}

type totalsBody struct {
	Currency string `json:"currency"`
	Subtotal string `json:"subtotal"`
	Tax      string `json:"tax"`
	Total    string `json:"total"`
}

type closePromptBody struct {
	Question string `json:"question"`
	Answer   *bool  `json:"answer"`
	Closed   bool   `json:"closed"`
	Note     string `json:"note"`
}

// renderConversion shows a conversion's state.
func renderConversion(s *conversion.State) conversionBody {
	b := conversionBody{
		WorkflowID:     s.WorkflowID,
		Step:           s.Step,
		Status:         s.Status(),
		AllowedActions: []conversion.Action{},
		Version:        s.Version,
		Mapping:        renderMapping(s),
		Items:          []itemBody{},
		Order:          s.Order,
		StartedBy:      ref{ID: s.StartedBy.ID, Name: s.StartedBy.Name},
		StartedAt:      s.StartedAt,
		UpdatedAt:      s.UpdatedAt,
		ExpiresAt:      s.ExpiresAt,
		Saving:         s.Saving,
	}
	if !s.Saving {
		b.AllowedActions = append(b.AllowedActions, s.Step.AllowedActions()...)
	}
	if p := s.ClosePrompt; p != nil {
		b.ClosePrompt = &closePromptBody{Question: p.Question, Answer: p.Answer, Closed: p.Closed, Note: p.Note}
	}
	opp := s.Opportunity
	if opp == nil {
		return b
	}
	b.Opportunity = &opportunitySummary{
		ID: opp.ID, Number: opp.Number, Name: opp.Name,
		Owner:  ref{ID: opp.OwnerID, Name: opp.OwnerName},
		Status: opp.Status, Currency: opp.Currency,
	}
	if opp.CustomerID != "" {
		b.Opportunity.Customer = &ref{ID: opp.CustomerID, Name: opp.CustomerName}
	}
	picked := make(map[string]decimal.Decimal, len(s.Picks))
	for _, p := range s.Picks {
		picked[p.OpportunityItemID] = p.Quantity
	}
	for _, it := range opp.Items {
		b.Items = append(b.Items, itemBody{
			ID:                it.ID,
			Product:           productOf(it),
			Description:       it.Description,
			Quantity:          quantity(it.Quantity),
			RemainingQuantity: quantity(it.Remaining),
			UnitPrice:         money(it.UnitPrice, opp.Currency),
			DiscountPercent:   quantity(it.DiscountPercent),
			TaxRate:           quantity(it.TaxRate),
			PickedQuantity:    quantity(picked[it.ID]),
		})
	}
	if s.Draft != nil && len(s.Picks) > 0 {
		b.Draft = renderDraft(s)
	}
	return b
}

func renderMapping(s *conversion.State) mappingBody {
	m := mappingBody{
		Pairs:    s.Mapping,
		Accepted: s.MappingAccepted,
		Sources:  s.Catalog.Sources,
		Targets:  s.Catalog.Targets,
		Preview:  map[string]string{},
	}
	if m.Pairs == nil {
		m.Pairs = conversion.Mapping{}
	}
	if m.Sources == nil {
		m.Sources = []conversion.Field{}
	}
	if m.Targets == nil {
		m.Targets = []conversion.Field{}
	}
	if s.Opportunity != nil {
		for name, v := range s.Mapping.Preview(s.Opportunity) {
			m.Preview[conversion.TargetPrefix+name] = v
		}
	}
	return m
}

func renderDraft(s *conversion.State) *draftBody {
	d := s.Draft
	cur := d.Currency()
	b := &draftBody{
		Opportunity: numberRef{ID: s.Opportunity.ID, Number: s.Opportunity.Number},
		Header:      map[string]*string{},
		Custom:      map[string]*string{},
		Lines:       make([]lineBody, 0, len(d.Lines)),
		Totals: totalsBody{
			Currency: cur,
			Subtotal: money(d.Totals.Subtotal, cur),
			Tax:      money(d.Totals.Tax, cur),
			Total:    money(d.Totals.Total, cur),
		},
	}
	for _, f := range s.Catalog.Targets {
		name := strings.TrimPrefix(f.Name, conversion.TargetPrefix)
		var value *string
		if v, ok := d.Header[name]; ok {
			value = &v
		}
		if custom, ok := strings.CutPrefix(name, "custom."); ok {
			b.Custom[custom] = value
		} else {
			b.Header[name] = value
		}
	}
	for _, l := range d.Lines {
		it, _ := s.Opportunity.Item(l.OpportunityItemID)
		b.Lines = append(b.Lines, lineBody{
			OpportunityItemID: l.OpportunityItemID,
			Product:           productOf(it),
			Description:       l.Description,
			Quantity:          quantity(l.Quantity),
			RemainingQuantity: quantity(l.RemainingQuantity),
			UnitPrice:         money(l.UnitPrice, cur),
			DiscountPercent:   quantity(l.DiscountPercent),
			TaxRate:           quantity(l.TaxRate),
			LineTotal:         money(l.LineTotal, cur),
		})
	}
	return b
}

func productOf(it conversion.Item) *productBody {
	if it.ProductID == "" {
		return nil
	}
	return &productBody{ID: it.ProductID, SKU: it.SKU, Name: it.ProductName, Unit: it.Unit}
}

// quantity shows a decimal without trailing zeros: "2", "1.5".
func quantity(d decimal.Decimal) string { return d.String() }

// money shows an amount with the currency's minor units ("12.50", "1200"
// for JPY), or with more decimals when the amount has them (a unit price of
// "0.1234").
func money(d decimal.Decimal, currency string) string {
	places := conversion.MinorUnits(currency)
	if s := d.String(); strings.Contains(s, ".") {
		places = max(places, int32(len(s)-strings.IndexByte(s, '.')-1))
	}
	return d.StringFixed(places)
}
