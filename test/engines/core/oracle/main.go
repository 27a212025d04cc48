// Command oracle is the reference for pss-compile's conformance tests: it feeds
// pods to the upstream k8s.io/pod-security-admission evaluator and prints its
// verdict and aggregate message for every requested level and version.
//
// stdin:  {"pods": [<pod object>...], "levels": ["baseline", ...], "versions": ["v1.0", "latest", ...],
// "targets": [[[level, version]...] per pod] (optional: replaces levels x versions for that pod)}
// stdout: {"results": [{"error": "...", "verdicts": [{"level", "version", "allowed", "reasons", "details", "message"}]}]}
//
// With "benchSeconds": S in the request, it instead evaluates every pod at its
// targets over and over for about S seconds and prints
// {"bench": {"evaluations": N, "denied": D, "seconds": T}}: upstream's own
// speed. Pods are decoded once, or, with "benchDecode": true, from their JSON
// at every evaluation (the work a policy engine does with a JSON review).
//
// Pods are decoded the way the API server decodes JSON: case-sensitive field
// names, unknown fields dropped, explicit nulls read as unset.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	sigsjson "sigs.k8s.io/json"
)

type request struct {
	Pods     []json.RawMessage `json:"pods"`
	Levels   []string          `json:"levels"`
	Versions []string          `json:"versions"`
	Targets  [][][2]string     `json:"targets"`
	// BenchSeconds > 0 switches to timing instead of reporting verdicts
	BenchSeconds float64 `json:"benchSeconds"`
	BenchDecode  bool    `json:"benchDecode"`
}

type verdict struct {
	Level   string   `json:"level"`
	Version string   `json:"version"`
	Allowed bool     `json:"allowed"`
	Reasons []string `json:"reasons"`
	Details []string `json:"details"`
	Message string   `json:"message"`
}

type podResult struct {
	Error    string    `json:"error,omitempty"`
	Verdicts []verdict `json:"verdicts,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(2)
	}
}

func run() error {
	var req request
	if err := json.NewDecoder(bufio.NewReader(os.Stdin)).Decode(&req); err != nil {
		return fmt.Errorf("reading request: %w", err)
	}
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return err
	}
	var pairs [][2]string
	for _, l := range req.Levels {
		for _, v := range req.Versions {
			pairs = append(pairs, [2]string{l, v})
		}
	}
	crossProduct, err := parseTargets(pairs)
	if err != nil {
		return err
	}

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if req.BenchSeconds > 0 {
		return bench(evaluator, req, crossProduct, out)
	}
	results := make([]podResult, 0, len(req.Pods))
	for i, raw := range req.Pods {
		levelVersions := crossProduct
		if i < len(req.Targets) && req.Targets[i] != nil {
			if levelVersions, err = parseTargets(req.Targets[i]); err != nil {
				return err
			}
		}
		var pod corev1.Pod
		strictErrs, err := sigsjson.UnmarshalStrict(raw, &pod, sigsjson.DisallowDuplicateFields)
		_ = strictErrs // unknown fields are dropped, as the API server does by default
		if err != nil {
			results = append(results, podResult{Error: err.Error()})
			continue
		}
		verdicts := make([]verdict, 0, len(levelVersions))
		for _, lv := range levelVersions {
			agg := policy.AggregateCheckResults(evaluator.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec))
			verdicts = append(verdicts, verdict{
				Level:   string(lv.Level),
				Version: lv.Version.String(),
				Allowed: agg.Allowed,
				Reasons: nonNil(agg.ForbiddenReasons),
				Details: nonNil(agg.ForbiddenDetails),
				Message: agg.ForbiddenDetail(),
			})
		}
		results = append(results, podResult{Verdicts: verdicts})
	}
	return json.NewEncoder(out).Encode(map[string]any{"results": results})
}

// bench times the evaluator alone: pods are decoded once, then each pod is
// evaluated and its results aggregated at each of its targets, in rounds,
// until the time is up.
func bench(evaluator policy.Evaluator, req request, crossProduct []api.LevelVersion, out *bufio.Writer) error {
	type job struct {
		raw     json.RawMessage
		pod     *corev1.Pod
		targets []api.LevelVersion
	}
	jobs := make([]job, 0, len(req.Pods))
	for i, raw := range req.Pods {
		var pod corev1.Pod
		if _, err := sigsjson.UnmarshalStrict(raw, &pod, sigsjson.DisallowDuplicateFields); err != nil {
			return fmt.Errorf("pod %d: %w", i, err)
		}
		targets := crossProduct
		if i < len(req.Targets) && req.Targets[i] != nil {
			var err error
			if targets, err = parseTargets(req.Targets[i]); err != nil {
				return err
			}
		}
		jobs = append(jobs, job{raw, &pod, targets})
	}
	budget := time.Duration(req.BenchSeconds * float64(time.Second))
	evaluations := 0
	denied := 0
	start := time.Now()
	for time.Since(start) < budget {
		for _, j := range jobs {
			pod := j.pod
			if req.BenchDecode {
				pod = &corev1.Pod{}
				if _, err := sigsjson.UnmarshalStrict(j.raw, pod, sigsjson.DisallowDuplicateFields); err != nil {
					return err
				}
			}
			for _, lv := range j.targets {
				if !policy.AggregateCheckResults(evaluator.EvaluatePod(lv, &pod.ObjectMeta, &pod.Spec)).Allowed {
					denied++
				}
				evaluations++
			}
		}
	}
	elapsed := time.Since(start).Seconds()
	return json.NewEncoder(out).Encode(map[string]any{"bench": map[string]any{"evaluations": evaluations, "denied": denied, "seconds": elapsed}})
}

func parseTargets(pairs [][2]string) ([]api.LevelVersion, error) {
	out := make([]api.LevelVersion, 0, len(pairs))
	for _, p := range pairs {
		level, err := api.ParseLevel(p[0])
		if err != nil {
			return nil, fmt.Errorf("level %q: %w", p[0], err)
		}
		version, err := api.ParseVersion(p[1])
		if err != nil {
			return nil, fmt.Errorf("version %q: %w", p[1], err)
		}
		out = append(out, api.LevelVersion{Level: level, Version: version})
	}
	return out, nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
