package conversion

import (
	"strconv"
	"strings"
)

// Pair maps one opportunity field to one order field.
type Pair struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// Mapping is the list of pairs a user chose.
type Mapping []Pair

// Validate checks the rules of the mapping step: known fields, every target at
// most once, and compatible types. All broken rules are reported together,
// each named by its position in the request ("mapping[2].target").
func (c Catalog) Validate(m Mapping) error {
	var errs fieldErrors
	if len(m) > len(c.Sources)*len(c.Targets) {
		errs.add("mapping", "too many pairs: %d", len(m))
		return errs.err("the mapping is not valid")
	}
	seen := make(map[string]int, len(m))
	for i, p := range m {
		at := "mapping[" + strconv.Itoa(i) + "]"
		src, srcOK := c.Source(p.Source)
		if !srcOK {
			errs.add(at+".source", "unknown opportunity field %q", p.Source)
		}
		dst, dstOK := c.Target(p.Target)
		if !dstOK {
			errs.add(at+".target", "unknown order field %q", p.Target)
		}
		if dstOK {
			if first, dup := seen[p.Target]; dup {
				errs.add(at+".target", "%s is already mapped by mapping[%d]", p.Target, first)
			} else {
				seen[p.Target] = i
			}
		}
		if srcOK && dstOK && !Compatible(src.Type, dst.Type) {
			errs.add(at+".target", "%s (%s) cannot take %s (%s)", p.Target, dst.Type, p.Source, src.Type)
		}
	}
	return errs.err("the mapping is not valid")
}

// Propose is the mapping offered to a user: the one they chose last, keeping
// only the pairs still valid in this catalog, or else every pair of fields
// with the same name and compatible types.
func (c Catalog) Propose(remembered Mapping) Mapping {
	if len(remembered) > 0 {
		kept := Mapping{}
		used := map[string]bool{}
		for _, p := range remembered {
			if used[p.Target] || c.Validate(Mapping{p}) != nil {
				continue
			}
			used[p.Target] = true
			kept = append(kept, p)
		}
		if len(kept) > 0 {
			return kept
		}
	}
	proposal := Mapping{}
	for _, dst := range c.Targets {
		name := strings.TrimPrefix(dst.Name, TargetPrefix)
		if src, ok := c.Source(SourcePrefix + name); ok && Compatible(src.Type, dst.Type) {
			proposal = append(proposal, Pair{Source: src.Name, Target: dst.Name})
		}
	}
	return proposal
}

// Preview is what the mapping writes into the order's fields, keyed by target
// field name without its "order." prefix ("title", "custom.region").
func (m Mapping) Preview(opp *Opportunity) map[string]string {
	out := make(map[string]string, len(m))
	for _, p := range m {
		if v, ok := opp.SourceValue(p.Source); ok {
			out[strings.TrimPrefix(p.Target, TargetPrefix)] = v
		}
	}
	return out
}
