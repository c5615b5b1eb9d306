package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/uptrace/bun"

	"github.com/crmconvert/crmconvert/api"
	"github.com/crmconvert/crmconvert/crm"
)

func openDB(ctx context.Context, cfg config) (*bun.DB, error) {
	if cfg.DatabaseURL == "" {
		return nil, fmt.Errorf("DATABASE_URL must be set")
	}
	return crm.Open(ctx, cfg.DatabaseURL)
}

func runMigrate(ctx context.Context, cfg config, args []string) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return crm.Migrate(ctx, db)
}

func runSeed(ctx context.Context, cfg config, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	file := fs.String("file", "", "the JSON data file to load")
	if err := fs.Parse(args); err != nil || *file == "" {
		return errUsage
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return seedFile(ctx, crm.NewStore(db), *file)
}

func seedFile(ctx context.Context, store *crm.Store, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := crm.LoadSeed(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := store.Seed(ctx, data); err != nil {
		return fmt.Errorf("seed %s: %w", path, err)
	}
	return nil
}

func runToken(ctx context.Context, cfg config, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil || *email == "" {
		return errUsage
	}
	if cfg.JWTSecret == "" {
		return fmt.Errorf("AUTH_JWT_SECRET must be set")
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	user, err := crm.NewStore(db).UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	token, err := api.IssueTokenFor([]byte(cfg.JWTSecret), user.ID, *ttl, cfg.Auth.Issuer, cfg.Auth.Audience)
	if err != nil {
		return err
	}
	fmt.Println(token)
	return nil
}
