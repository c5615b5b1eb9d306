package api

import (
	"context"
	"time"

	errordetailspb "go.temporal.io/api/errordetails/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"go.temporal.io/api/enums/v1"
)

// TemporalDialOptions are the gRPC options the API's Temporal client is
// dialled with: add them to client.Options.ConnectionOptions.DialOptions.
// The worker does not need them, and they change nothing for its calls.
func TemporalDialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithChainUnaryInterceptor(finalUpdateLimit)}
}

const updateWorkflowMethod = "/temporal.api.workflowservice.v1.WorkflowService/UpdateWorkflowExecution"

// noRetryWithin is longer than any request of the API lasts.
const noRetryWithin = 24 * time.Hour

// finalUpdateLimit makes Temporal's refusal of an Update over a workflow's
// in-flight limit (10 by default) final. The SDK retries every
// ResourceExhausted until the call's deadline, so without it such a step
// would hang for the whole request timeout and answer 503; with it the
// step answers 429 with Retry-After at once.
//
// It runs between the SDK's retry and the network (user dial options come
// after the SDK's own interceptors), and attaches a google.rpc.RetryInfo
// delay longer than the call's deadline, which the SDK's retry takes as
// "not within this call". The error stays a ResourceExhausted.
func finalUpdateLimit(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err == nil || method != updateWorkflowMethod {
		return err
	}
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.ResourceExhausted || !concurrentLimit(st) {
		return err
	}
	final, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(noRetryWithin)})
	if derr != nil {
		return err
	}
	return final.Err()
}

// concurrentLimit reports whether a ResourceExhausted status is the
// per-workflow limit on Updates in flight, not a namespace's request rate
// (which the SDK's retry rides out).
func concurrentLimit(st *status.Status) bool {
	for _, d := range st.Details() {
		if f, ok := d.(*errordetailspb.ResourceExhaustedFailure); ok {
			return f.GetCause() == enums.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT
		}
	}
	return false
}
