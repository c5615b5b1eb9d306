package crm

// The statuses of an opportunity.
const (
	StatusOpen = "open"
	StatusWon  = "won"
	StatusLost = "lost"
)

// The statuses of an order. A conversion writes a draft; the rest of the
// order's life happens elsewhere in the CRM.
const (
	OrderDraft     = "draft"
	OrderConfirmed = "confirmed"
	OrderShipped   = "shipped"
	OrderCancelled = "cancelled"
)
