/**
 * Micrometer metrics: wrappers around the control surfaces, the journal-fed event meter and gauges.
 * Exposed by the API at /metrics.
 */
package banger.metrics;
