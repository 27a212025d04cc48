// Command vap evaluates ValidatingAdmissionPolicy objects against pods with the
// Kubernetes API server's own admission code (k8s.io/apiserver, pinned in
// go.mod): its CEL environments and compiler for the write-time checks, and its
// ValidatingAdmissionPolicy validator, match-condition matcher and
// match-constraint matcher for the admission decision. Nothing about CEL or
// about VAP semantics is re-implemented here; this file only builds inputs and
// copies results out.
//
//	stdin: {
//	  "policies": [<admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy>...],
//	  "bindings": [<admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding>...], // optional; only checked, except in dispatch mode
//	  "pods": [<v1 Pod>...],
//	  "namespaces": [<v1 Namespace>...],   // optional; otherwise {name, label kubernetes.io/metadata.name}
//	  "requests": [{"policy": i, "pod": j, "operation": "CREATE"|"UPDATE", "oldPod": k|-1,
//	                "subResource": ""|"ephemeralcontainers", "namespace": "default",
//	                "username": "alice", "groups": [...]}],
//	  "kubeVersion": "1.30",               // compatibility version for the write-time (NewExpressions) compile
//	  "evalEnv": "stored"|"new",           // env the runtime programs are compiled in; default "stored", as the plugin does
//	  "admissionRequests": [<admission.k8s.io/v1 AdmissionRequest>...] // optional: dispatch mode, see dispatch.go
//	}
//
//	stdout: {
//	  "policies": [{"name", "compileErrors": [...], "schemaErrors": [...]}],
//	  "bindings": [{"name", "schemaErrors": [...]}],
//	  "results": [{"matched", "decisions": [{"validation", "action", "effect", "message", "reason", "messageExpressionError"}],
//	               "cost", "costDetail", "auditAnnotations", "warnings", "error"}],
//	  "admissionResults": [{"allowed", "status": {"code", "reason", "message"}, "warnings": [...],
//	               "auditAnnotations": {key: value}, "failures": [{"policy", "binding", "expressionIndex",
//	               "validation", "actions", "evaluation", "reason", "message", "auditAnnotation"}],
//	               "decodeWarnings": [...], "error"}]   // only with admissionRequests
//	}
//
// In dispatch mode every admission request goes, once, through the API
// server's ValidatingAdmissionPolicy dispatcher with one hook per policy that
// a binding names (bindings are used, not only checked); the verdict, the
// warnings and the audit annotations are the dispatcher's own.
//
// Errors in the request as a whole go to stderr with exit status 2.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

type input struct {
	Policies    []json.RawMessage `json:"policies"`
	Bindings    []json.RawMessage `json:"bindings"`
	Pods        []json.RawMessage `json:"pods"`
	Namespaces  []json.RawMessage `json:"namespaces"`
	Requests    []request         `json:"requests"`
	KubeVersion string            `json:"kubeVersion"`
	EvalEnv     string            `json:"evalEnv"`
	// AdmissionRequests selects dispatch mode (dispatch.go): admission.k8s.io/v1
	// AdmissionRequests run through the API server's VAP dispatcher.
	AdmissionRequests []json.RawMessage `json:"admissionRequests"`
}

type request struct {
	Policy      int      `json:"policy"`
	Pod         int      `json:"pod"`
	Operation   string   `json:"operation"`
	OldPod      *int     `json:"oldPod"`
	SubResource string   `json:"subResource"`
	Namespace   *string  `json:"namespace"`
	Username    string   `json:"username"`
	Groups      []string `json:"groups"`
}

type policyReport struct {
	Name          string   `json:"name"`
	CompileErrors []string `json:"compileErrors"`
	SchemaErrors  []string `json:"schemaErrors"`
}

type decision struct {
	// Validation is the index into spec.validations, or -1 for a decision that
	// covers the whole policy (compile failure of the environment, a failing
	// matchCondition under failurePolicy Fail, an activation error).
	Validation int `json:"validation"`
	// Action is the validator's PolicyDecisionEvaluation: admit, deny or error.
	Action string `json:"action"`
	// Effect is the validator's PolicyDecisionAction (admit or deny): for
	// "error" it is what failurePolicy made of it.
	Effect                 string `json:"effect"`
	Message                string `json:"message,omitempty"`
	Reason                 string `json:"reason,omitempty"`
	MessageExpressionError string `json:"messageExpressionError,omitempty"`
}

type costDetail struct {
	Validations        int64 `json:"validations"`
	MessageExpressions int64 `json:"messageExpressions"`
	MatchConditions    int64 `json:"matchConditions"`
	AuditAnnotations   int64 `json:"auditAnnotations"`
	// OutOfBudget is set when a stage exhausted its budget; the apiserver then
	// stops and no longer reports what was spent, so the stage's figure above is
	// the budget it was given (a lower bound).
	OutOfBudget bool `json:"outOfBudget,omitempty"`
}

type auditAnnotation struct {
	Key    string `json:"key"`
	Action string `json:"action"`
	Value  string `json:"value,omitempty"`
	Error  string `json:"error,omitempty"`
}

type result struct {
	Matched          bool              `json:"matched"`
	Decisions        []decision        `json:"decisions"`
	Cost             int64             `json:"cost"`
	CostDetail       costDetail        `json:"costDetail"`
	AuditAnnotations []auditAnnotation `json:"auditAnnotations,omitempty"`
	Warnings         []string          `json:"warnings,omitempty"`
	Error            string            `json:"error,omitempty"`
}

type output struct {
	Policies []policyReport  `json:"policies"`
	Bindings []bindingReport `json:"bindings"`
	Results  []result        `json:"results"`
	// AdmissionResults is only present when admissionRequests were given.
	AdmissionResults []admissionResult `json:"admissionResults,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "vap:", err)
		os.Exit(2)
	}
}

func run() error {
	var in input
	dec := json.NewDecoder(bufio.NewReader(os.Stdin))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("reading request: %w", err)
	}
	if in.KubeVersion == "" {
		in.KubeVersion = "1.30"
	}
	h, err := newHarness(in)
	if err != nil {
		return err
	}
	out := output{Policies: make([]policyReport, 0, len(h.policies)), Results: make([]result, 0, len(in.Requests))}
	for _, p := range h.policies {
		out.Policies = append(out.Policies, p.report)
	}
	out.Bindings = make([]bindingReport, 0, len(in.Bindings))
	for _, b := range in.Bindings {
		out.Bindings = append(out.Bindings, checkBinding(b))
	}
	for i, r := range in.Requests {
		res, err := h.evaluate(r)
		if err != nil {
			return fmt.Errorf("requests[%d]: %w", i, err)
		}
		out.Results = append(out.Results, res)
	}
	if in.AdmissionRequests != nil {
		d := newDispatcher(h, in.Bindings)
		out.AdmissionResults = make([]admissionResult, 0, len(in.AdmissionRequests))
		for _, raw := range in.AdmissionRequests {
			out.AdmissionResults = append(out.AdmissionResults, d.dispatch(raw))
		}
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
