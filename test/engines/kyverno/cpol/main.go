// Command cpol evaluates Kyverno ClusterPolicies on admission requests with
// Kyverno's own engine, as its admission webhook does
// (pkg/webhooks/resource/validation: the policy context built from the
// AdmissionRequest by policycontext.NewPolicyContextFromAdmissionRequest, the
// namespace's labels attached, then engine.Validate per policy). The engine
// runs as in a cluster, with a client that serves the case's Namespaces, so
// validate.cel gets namespaceObject with its labels; the Kyverno CLI runs the
// same engine outside a cluster, where namespaceObject carries the name only.
//
// stdin:  {"policies": [ClusterPolicy], "namespaces": [Namespace], "requests": [AdmissionRequest]}
// stdout: {"results": [{"policies": [{"name", "rules": [{"name", "status", "message"}]}], "error"?}]}
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	kyvernov1 "github.com/kyverno/kyverno/api/kyverno/v1"
	kyvernov2 "github.com/kyverno/kyverno/api/kyverno/v2"
	"github.com/kyverno/kyverno/pkg/config"
	"github.com/kyverno/kyverno/pkg/engine"
	engineapi "github.com/kyverno/kyverno/pkg/engine/api"
	"github.com/kyverno/kyverno/pkg/engine/factories"
	"github.com/kyverno/kyverno/pkg/engine/jmespath"
	"github.com/kyverno/kyverno/pkg/engine/policycontext"
	imageverifycache "github.com/kyverno/kyverno/pkg/image/verification/cache"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type input struct {
	Policies   []json.RawMessage              `json:"policies"`
	Namespaces []corev1.Namespace             `json:"namespaces"`
	Requests   []admissionv1.AdmissionRequest `json:"requests"`
}

type rule struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

type policyResult struct {
	Name  string `json:"name"`
	Rules []rule `json:"rules"`
}

type result struct {
	Policies []policyResult `json:"policies"`
	Error    string         `json:"error,omitempty"`
}

// namespaces is the engine's cluster client: it serves the case's Namespaces
// and nothing else (any other call would be a nil-interface panic, and none is
// made by validate.cel rules that use no authorizer).
type namespaces struct {
	engineapi.Client
	byName map[string]*corev1.Namespace
}

func (n namespaces) GetNamespace(_ context.Context, name string, _ metav1.GetOptions) (*corev1.Namespace, error) {
	if ns, ok := n.byName[name]; ok {
		return ns.DeepCopy(), nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, name)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	var in input
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&in); err != nil {
		return fmt.Errorf("reading input: %w", err)
	}
	policies := make([]*kyvernov1.ClusterPolicy, 0, len(in.Policies))
	for i, raw := range in.Policies {
		// strictly: a field the type does not know would be pruned by the API server, unseen
		var p kyvernov1.ClusterPolicy
		decoder := json.NewDecoder(bytes.NewReader(raw))
		decoder.DisallowUnknownFields()
		if err := decoder.Decode(&p); err != nil {
			return fmt.Errorf("policy %d: %w", i, err)
		}
		policies = append(policies, &p)
	}
	client := namespaces{byName: map[string]*corev1.Namespace{}}
	for i := range in.Namespaces {
		client.byName[in.Namespaces[i].Name] = &in.Namespaces[i]
	}
	cfg := config.NewDefaultConfiguration(false)
	jp := jmespath.New(cfg)
	isCluster := true
	eng := engine.NewEngine(cfg, jp, client, nil, imageverifycache.DisabledImageVerifyCache(),
		factories.DefaultContextLoaderFactory(nil), nil, &isCluster)
	out := struct {
		Results []result `json:"results"`
	}{Results: make([]result, 0, len(in.Requests))}
	for _, req := range in.Requests {
		out.Results = append(out.Results, validate(eng, jp, cfg, policies, req, client))
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// validate is the webhook's HandleValidationEnforce, for every policy whatever its action.
func validate(eng engineapi.Engine, jp jmespath.Interface, cfg config.Configuration, policies []*kyvernov1.ClusterPolicy,
	req admissionv1.AdmissionRequest, client namespaces) result {
	res := result{Policies: []policyResult{}}
	info := kyvernov2.RequestInfo{AdmissionUserInfo: *req.UserInfo.DeepCopy()}
	gvk := schema.GroupVersionKind{Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind}
	pc, err := policycontext.NewPolicyContextFromAdmissionRequest(jp, req, info, gvk, cfg)
	if err != nil {
		res.Error = fmt.Sprintf("failed to create policy context: %v", err)
		return res
	}
	// the webhook attaches the namespace's labels for policies that select namespaces
	labels := map[string]string{}
	if req.Kind.Kind != "Namespace" && req.Namespace != "" {
		if ns, ok := client.byName[req.Namespace]; ok {
			labels = ns.Labels
		}
	}
	pc = pc.WithNamespaceLabels(labels)
	for _, p := range policies {
		resp := eng.Validate(context.Background(), pc.WithPolicy(p))
		pr := policyResult{Name: p.Name, Rules: []rule{}}
		for _, r := range resp.PolicyResponse.Rules {
			pr.Rules = append(pr.Rules, rule{Name: r.Name(), Status: string(r.Status()), Message: r.Message()})
		}
		res.Policies = append(res.Policies, pr)
	}
	return res
}
