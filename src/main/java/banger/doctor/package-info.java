/**
 * Host diagnostics: checks the machine (KVM, tools, network, images) and says how to fix what is missing.
 * Reads the domain packages; nothing but the API uses it.
 */
package banger.doctor;
