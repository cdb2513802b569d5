#ifndef FEEDWIRE_CLIBXML2_H
#define FEEDWIRE_CLIBXML2_H
/*
 * libxml2 for FeedwireXML only.
 *
 * Debian builds libxml2 with ICU, so <libxml/encoding.h> pulls in the system
 * ICU headers, whose types clash with Foundation's private ICU copy
 * ("'UErrorCode' has different definitions in different modules"). We never
 * touch the ICU fields (they live only in xmlCharEncodingHandler, which no
 * other struct embeds by value), so the macro is undefined before anything
 * else is included. See ../shared/design/platform-notes.md §1.
 */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <libxml/dict.h>

/* LIBXML_DOTTED_VERSION is a string macro Swift imports; the integer
 * xmlParserVersion is not importable ("structure not supported"). */
static inline const char *fw_libxml_version(void) { return LIBXML_DOTTED_VERSION; }

/* libxml2 reports a few problems (entity table warnings, allocation
 * failures) through the per-thread "generic" error function, which prints to
 * stderr by default. It is variadic, so Swift cannot supply one: this shim
 * installs a silent one for the calling thread. Parse errors proper go to the
 * structured handler (serror) of each parser context. */
static inline void fw_quiet_generic_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
static inline void fw_silence_generic_errors(void) { xmlSetGenericErrorFunc(NULL, fw_quiet_generic_error); }

#endif
