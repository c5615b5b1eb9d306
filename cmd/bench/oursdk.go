package main

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmconvert/crmconvert/conversion"
	"github.com/crmconvert/crmconvert/replay"
	"github.com/crmconvert/crmconvert/workflows"
)

// sdkConversion runs the same conversion as httpUser.convert, through the
// SDK client instead of the API: the opportunity read and Update-With-Start
// as the API does them, then the steps as Updates. It is not one of the
// issue's three modes; set between the floor and ours, it shows what our
// workflow costs and what the API adds to it.
func sdkConversion(ctx context.Context, d *replay.Driver, org string, user conversion.User, opp, item string, rec *recorder) error {
	start := time.Now()
	c, _, err := d.Open(ctx, org, opp, user, 0)
	if err != nil {
		return err
	}
	rec.named("start", time.Since(start))
	for i, s := range conversionSteps(user, item) {
		start := time.Now()
		if _, err := d.Step(ctx, c, s.name, s.arg); err != nil {
			return err
		}
		rec.named(ourSteps[i+1], time.Since(start))
	}
	return nil
}

// step is one of a conversion's steps after the start, as the workflow takes it.
type step struct {
	name string
	arg  any
}

// conversionSteps are the steps of a straight conversion of item by user
// after the start, the same as httpUser.convert sends: the mapping, the
// products, a draft edit, the save and the close decision.
func conversionSteps(user conversion.User, item string) []step {
	req := workflows.Request{Actor: user.ID}
	return []step{
		{workflows.UpdateMapping, workflows.MappingRequest{Request: req, Mapping: sdkMapping}},
		{workflows.UpdateItems, workflows.ItemsRequest{Request: req, Items: []conversion.Pick{{OpportunityItemID: item, Quantity: decimal.NewFromInt(1)}}}},
		{workflows.UpdateDraft, workflows.DraftRequest{Request: req, Patch: conversion.DraftPatch{Header: map[string]string{"notes": "benchmark"}}}},
		{workflows.UpdateSave, req},
		{workflows.UpdateClose, workflows.CloseRequest{Request: req, Close: true}},
	}
}

// sdkMapping is benchMapping as the workflow takes it.
var sdkMapping = conversion.Mapping{
	{Source: "opportunity.name", Target: "order.title"},
	{Source: "opportunity.customer_id", Target: "order.customer_id"},
	{Source: "opportunity.currency", Target: "order.currency"},
	{Source: "opportunity.payment_terms", Target: "order.payment_terms"},
}
