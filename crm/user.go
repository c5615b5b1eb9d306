package crm

import (
	"context"
	"slices"

	"github.com/uptrace/bun"
)

// The roles of SPEC 3.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// The permissions of SPEC 2 and 3.
const (
	PermOrderCreate = "order:create" // "add Order": start and save conversions
	PermOrderUpdate = "order:update" // "modify Order": link an order to an opportunity
)

// User is a person who signs in, with their role and permissions as the
// database holds them now.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u" json:"-"`

	ID             string   `bun:"id,pk" json:"id"`
	OrganizationID string   `bun:"organization_id" json:"organization_id"`
	Name           string   `bun:"name" json:"name"`
	Email          string   `bun:"email" json:"email"`
	Role           string   `bun:"role" json:"role"`
	Permissions    []string `bun:"permissions,array" json:"permissions"`
	Active         bool     `bun:"active" json:"active"`
}

// IsAdmin reports whether the user has the admin role.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// Can reports whether the user holds the permission.
//
// The admin role does not imply permissions: SPEC 3 grants admins specific
// rights (closing anyone's opportunity, reading and cancelling anyone's
// conversion) and lists order:create and order:update as permissions of
// their own, so an admin who should create orders is given order:create like
// anyone else. An inactive user can do nothing.
func (u *User) Can(permission string) bool {
	return u.Active && slices.Contains(u.Permissions, permission)
}

// UserByID returns the user with that id, in any organization (it is how a
// request's token is resolved), active or not.
func (s *Store) UserByID(ctx context.Context, id string) (*User, error) {
	if !validID(id) {
		return nil, notFound("user", id)
	}
	u := new(User)
	if err := s.db.NewSelect().Model(u).Where("u.id = ?", id).Scan(ctx); err != nil {
		return nil, noRows(err, "user", id)
	}
	return u, nil
}

// UserByEmail returns the user with that email address, whatever its case.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("lower(u.email) = lower(?)", email).Scan(ctx)
	if err != nil {
		return nil, noRows(err, "user with email", email)
	}
	return u, nil
}

// userInOrganization reads a user of the organization.
func userInOrganization(ctx context.Context, db bun.IDB, orgID, userID string) (*User, error) {
	if !validID(orgID) || !validID(userID) {
		return nil, notFound("user", userID)
	}
	u := new(User)
	err := db.NewSelect().Model(u).Where("u.organization_id = ? AND u.id = ?", orgID, userID).Scan(ctx)
	if err != nil {
		return nil, noRows(err, "user", userID)
	}
	return u, nil
}
