package conversion

// Step is where a conversion stands.
type Step string

// The steps of a conversion, in the order the user walks through them, then
// its end states.
const (
	StepMapping     Step = "mapping"
	StepProducts    Step = "products"
	StepDraft       Step = "draft"
	StepClosePrompt Step = "close_prompt"
	StepCompleted   Step = "completed"
	StepCancelled   Step = "cancelled"
	StepExpired     Step = "expired"
)

// Status summarises a conversion for lists: open until it reaches an end state.
type Status string

// The statuses of a conversion.
const (
	StatusOpen      Status = "open"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
	StatusExpired   Status = "expired"
)

// Action is something a user may do next on a conversion.
type Action string

// The actions of a conversion; each is one HTTP endpoint and one workflow Update
// (cancel is a signal).
const (
	ActionMapping     Action = "mapping"
	ActionItems       Action = "items"
	ActionDraft       Action = "draft"
	ActionSave        Action = "save"
	ActionCloseDecide Action = "close_decision"
	ActionBack        Action = "back"
	ActionCancel      Action = "cancel"
)

// Ended reports whether the step is an end state.
func (s Step) Ended() bool {
	return s == StepCompleted || s == StepCancelled || s == StepExpired
}

// Status is the status a conversion at this step has.
func (s Step) Status() Status {
	switch s {
	case StepCompleted:
		return StatusCompleted
	case StepCancelled:
		return StatusCancelled
	case StepExpired:
		return StatusExpired
	default:
		return StatusOpen
	}
}

// Previous is the step that back returns to, and false where back is not allowed
// (at the first step, and once the order is saved).
func (s Step) Previous() (Step, bool) {
	switch s {
	case StepProducts:
		return StepMapping, true
	case StepDraft:
		return StepProducts, true
	default:
		return "", false
	}
}

// AllowedActions lists what the user may do at this step. A step already
// passed may be repeated until the order is saved: the mapping can be sent
// again from products or draft, the items again from draft.
func (s Step) AllowedActions() []Action {
	switch s {
	case StepMapping:
		return []Action{ActionMapping, ActionCancel}
	case StepProducts:
		return []Action{ActionMapping, ActionItems, ActionBack, ActionCancel}
	case StepDraft:
		return []Action{ActionMapping, ActionItems, ActionDraft, ActionSave, ActionBack, ActionCancel}
	case StepClosePrompt:
		return []Action{ActionCloseDecide}
	default:
		return nil
	}
}

// Allows reports whether the action may be taken at this step.
func (s Step) Allows(a Action) bool {
	for _, allowed := range s.AllowedActions() {
		if allowed == a {
			return true
		}
	}
	return false
}
