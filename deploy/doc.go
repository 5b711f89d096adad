// Package deploy holds the container image and the production compose file; its test checks them.
package deploy
