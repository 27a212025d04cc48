// gatekeeper-review: ConstraintTemplates and Constraints reviewed the way
// Gatekeeper's validating webhook reviews an admission request
// (pkg/webhook/policy.go createReviewForRequest and review): an
// AugmentedReview of the AdmissionRequest with the request's Namespace, and
// that Namespace as the review's namespace option, so Rego sees
// input.review.namespaceObject and CEL namespaceObject. The client is
// gator's (the Rego driver, and the K8sNativeValidation driver when "cel" is
// set) as gator builds it, at the webhook's enforcement point; `gator verify`
// runs the same client but cannot be given a Namespace.
//
// stdin:  {"templates": [yaml], "constraints": [yaml], "cel": bool,
//
//	"namespaces": [Namespace], "requests": [AdmissionRequest]}
//
// stdout: {"results": [{"violations": [{"constraint", "action", "msg", "details"}], "error"}]}
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/go-logr/logr"
	constraintclient "github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/gatekeeper/v3/apis"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

type input struct {
	Templates   []string                       `json:"templates"`
	Constraints []string                       `json:"constraints"`
	CEL         bool                           `json:"cel"`
	Namespaces  []corev1.Namespace             `json:"namespaces"`
	Requests    []admissionv1.AdmissionRequest `json:"requests"`
}

type violation struct {
	Constraint string                 `json:"constraint"`
	Action     string                 `json:"action"`
	Msg        string                 `json:"msg"`
	Details    map[string]interface{} `json:"details,omitempty"`
}

type result struct {
	Violations []violation `json:"violations"`
	Error      string      `json:"error,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gatekeeper-review:", err)
		os.Exit(1)
	}
}

func run() error {
	var in input
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("input: %w", err)
	}
	ctx := context.Background()
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return err
	}
	// gator's client (gator.NewOPAClient: the CEL driver first when enabled, then Rego), at the webhook's enforcement point
	args := []constraintclient.Opt{constraintclient.Targets(&target.K8sValidationTarget{})}
	if in.CEL {
		celDriver, err := k8scel.New()
		if err != nil {
			return err
		}
		args = append(args, constraintclient.Driver(celDriver))
	}
	regoDriver, err := rego.New(rego.Tracing(false))
	if err != nil {
		return err
	}
	args = append(args, constraintclient.Driver(regoDriver), constraintclient.EnforcementPoints(util.WebhookEnforcementPoint))
	c, err := constraintclient.NewClient(args...)
	if err != nil {
		return err
	}
	for i, text := range in.Templates {
		u, err := reader.ReadUnstructured([]byte(text))
		if err != nil {
			return fmt.Errorf("templates[%d]: %w", i, err)
		}
		t, err := reader.ToTemplate(scheme, u)
		if err != nil {
			return fmt.Errorf("templates[%d]: %w", i, err)
		}
		if _, err := c.AddTemplate(ctx, t); err != nil {
			return fmt.Errorf("templates[%d] (%s): %w", i, t.Name, err)
		}
	}
	for i, text := range in.Constraints {
		u, err := reader.ReadUnstructured([]byte(text))
		if err != nil {
			return fmt.Errorf("constraints[%d]: %w", i, err)
		}
		if _, err := c.AddConstraint(ctx, u); err != nil {
			return fmt.Errorf("constraints[%d] (%s): %w", i, u.GetName(), err)
		}
	}
	namespaces := map[string]*corev1.Namespace{}
	for i := range in.Namespaces {
		namespaces[in.Namespaces[i].Name] = &in.Namespaces[i]
	}
	out := struct {
		Results []result `json:"results"`
	}{Results: make([]result, 0, len(in.Requests))}
	for i := range in.Requests {
		out.Results = append(out.Results, review(ctx, c, &in.Requests[i], namespaces))
	}
	enc := json.NewEncoder(os.Stdout)
	return enc.Encode(out)
}

func review(ctx context.Context, c *constraintclient.Client, req *admissionv1.AdmissionRequest, namespaces map[string]*corev1.Namespace) result {
	res := result{Violations: []violation{}}
	// as createReviewForRequest: a Namespace request is reviewed without a namespace
	if req.Kind.Kind == "Namespace" && req.Kind.Group == "" {
		req.Namespace = ""
	}
	r := &target.AugmentedReview{AdmissionRequest: req, Source: mutationtypes.SourceTypeOriginal, IsAdmission: true}
	if req.Namespace != "" {
		ns, ok := namespaces[req.Namespace]
		if !ok {
			res.Error = fmt.Sprintf("namespace %q not found", req.Namespace)
			return res
		}
		r.Namespace = ns
	}
	// as review: the webhook's enforcement point, and the namespace for namespaceObject
	opts := []reviews.ReviewOpt{reviews.EnforcementPoint(util.WebhookEnforcementPoint)}
	if opt := util.NamespaceReviewOpt(r.Namespace, logr.Discard()); opt != nil {
		opts = append(opts, opt)
	}
	resp, err := c.Review(ctx, r, opts...)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for _, tr := range resp.ByTarget {
		for _, v := range tr.Results {
			details, _ := v.Metadata["details"].(map[string]interface{})
			res.Violations = append(res.Violations, violation{Constraint: v.Constraint.GetName(), Action: v.EnforcementAction, Msg: v.Msg, Details: details})
		}
	}
	return res
}
