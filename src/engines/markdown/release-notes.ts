/**
 * A project's record of its releases, by the names projects give it: `CHANGELOG`, `CHANGES`,
 * `HISTORY`, `NEWS`, `RELEASES`, `RELEASE-NOTES` (any extension), and the folders holding a file
 * per release or change (`changelog/`, `changelog.d/`, `release-notes/`). Tested against the
 * path relative to the source root, `/`-separated.
 *
 * "Changelog" and "release notes" say what they are in any case. "History", "changes",
 * "releases" and "news" are also a note's topic (`history.md` in a notes folder is about
 * history), so only the spellings projects use count: capitals (`HISTORY.md`, `NEWS`), or a
 * capital first (`History.md`, `Changes`) except for news, which a notes folder names so too.
 */
export const RELEASE_NOTES_PATHS = {
  test: (path: string): boolean => ANY_CASE.test(path) || AS_PROJECTS_SPELL_IT.test(path),
};

const ANY_CASE =
  /(^|\/)((?:[^/]*[-_.])?(?:change[-_ ]?log|release[-_ ]?notes)(?:[-_. ][^/]*)?$|(?:change[-_]?log(?:\.d)?|release[-_]?notes)\/)/i;
const AS_PROJECTS_SPELL_IT = /(^|\/)(CHANGES|Changes|HISTORY|History|RELEASES|Releases|NEWS)(\.[^/]*)?$/;

/** What a release record's fused hybrid score is multiplied by. */
export const RELEASE_NOTES_RANK_FACTOR = 0.7;

/**
 * A query that asks what a changelog answers: when something came, changed or went, what a
 * release changed, what to do on upgrading (`since which version`, `what changed in 3.0`,
 * `deprecated`, `renamed`, `no longer follows redirects`, `migrate to v5`, a version number). It
 * keeps the release records' place. A how-to query that only happens to use one of these words
 * ("upgrade the connection to a websocket") keeps them where they were without this rank-down:
 * no worse than before it existed. "Fix" is left out: how-to questions ask how to fix things.
 */
export const RELEASE_QUESTION = {
  test: (query: string): boolean => RELEASE_WORDS.test(query) || VERSION_NUMBER.test(query),
};

const RELEASE_WORDS =
  /\b(change ?logs?|changes|release ?notes?|releases?|released|versions?|deprecat\w*|what'?s new|new in|since (when|which|what|version)|when (did|was|were|has|have|could)|what (has |have )?changed|breaking|migrat\w*|upgrad\w*|added|introduced|removed|renamed|reverted|no longer)\b/i;
/** `2.4`, `v1.7.0`, `(3.0)`; not an IPv4 address. */
const VERSION_NUMBER = /(^|[\s(])v?\d+\.\d+(\.\d+)?(?![.\d])/;
