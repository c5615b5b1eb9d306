package conversion

// Snapshot is what a conversion starts from: the opportunity with its items
// and remaining quantities, the organization's custom fields, and the
// mapping the starting user accepted last (nil if none).
type Snapshot struct {
	Opportunity  *Opportunity  `json:"opportunity"`
	CustomFields []CustomField `json:"custom_fields"`
	Remembered   Mapping       `json:"remembered,omitempty"`
}
