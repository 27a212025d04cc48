// Command kustomize builds a kustomization directory with kustomize's own API
// (sigs.k8s.io/kustomize/api/krusty, the code `kubectl kustomize` runs), so
// the tests can prove that bundles compose without a kubectl on the machine.
// It lives in the Kyverno module because that module already pins kustomize.
//
//	kustomize DIR   prints the built resources as YAML, or the error and exit 1
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kustomize DIR")
		os.Exit(2)
	}
	// as `kubectl kustomize` and `kustomize build` run it without --reorder:
	// a kustomization's sortOptions decide, else kustomize's legacy kind order
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionUnspecified
	k := krusty.MakeKustomizer(opts)
	resources, err := k.Run(filesys.MakeFsOnDisk(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := resources.AsYaml()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
