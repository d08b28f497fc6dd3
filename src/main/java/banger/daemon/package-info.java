/**
 * The composition root: reads the config, builds the host drivers, spawns the guardian and its supervised
 * singletons, binds the API and the DNS server. Nothing below imports it.
 */
package banger.daemon;
