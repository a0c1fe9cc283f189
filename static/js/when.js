// The browser's half of community/dates.py: the same <time> markup and the same rule for a
// time rendered here (a live message) or on the server. Within the last day the text is
// relative ("5 minutes ago"), older it is absolute ("2 Dec 2026, 14:05"), in the page's
// language (<html lang>) and the member's zone (<html data-time-zone>, on their own pages
// only; the browser's zone otherwise). Relative times are brought up to date every minute.

const root = document.documentElement;
const language = root.lang || "en";
// Kindred writes English dates day first ("2 Dec 2026"), as config/formats/en does.
const locale = language === "en" ? "en-GB" : language;
const timeZone = root.dataset.timeZone || undefined;
const DAY_MS = 86400000;
const MINUTE_MS = 60000;

const absolute = new Intl.DateTimeFormat(locale, {
  day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
  hourCycle: "h23", timeZone,
});
const full = new Intl.DateTimeFormat(locale, {
  weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit",
  minute: "2-digit", hourCycle: "h23", timeZoneName: "short", timeZone,
});
const relative = new Intl.RelativeTimeFormat(locale, { numeric: "always" });
const clockFormat = new Intl.DateTimeFormat(locale, {
  hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone,
});
const dayFormat = new Intl.DateTimeFormat("en-CA", {
  year: "numeric", month: "2-digit", day: "2-digit", timeZone,
});

// For the chat's day labels and spoken times, in the same zone and language.
export const clock = (date) => clockFormat.format(date);
// "2026-12-02": the calendar day of a moment in the member's zone.
export const calendarDay = (date) => dayFormat.format(date);
export const daysBetween = (earlier, later) =>
  Math.round((Date.parse(calendarDay(later)) - Date.parse(calendarDay(earlier))) / DAY_MS);
export const longDay = (date, withYear) => new Intl.DateTimeFormat(locale, {
  weekday: "long", day: "numeric", month: "long", year: withYear ? "numeric" : undefined, timeZone,
}).format(date);

// "" for a moment that is not in the last day (then the text is absolute).
function relativeText(date, now = Date.now()) {
  const elapsed = now - date.getTime();
  if (elapsed < -MINUTE_MS || elapsed >= DAY_MS) return "";
  const minutes = Math.floor(elapsed / MINUTE_MS);
  if (minutes < 1) return root.dataset.justNow || relative.format(0, "minute");
  if (minutes < 60) return relative.format(-minutes, "minute");
  return relative.format(-Math.floor(minutes / 60), "hour");
}

export function showTime(time) {
  const date = new Date(time.dateTime);
  if (Number.isNaN(date.getTime())) return;
  const text = relativeText(date);
  time.textContent = text || absolute.format(date);
  // The server's title (community/dates.py) stays; a time made here gets the browser's own.
  if (!time.title) time.title = full.format(date);
  if (text) time.dataset.when = "relative";
  else delete time.dataset.when;
}

// A <time> for an ISO 8601 moment, filled in by the rule above.
export function timeElement(iso) {
  const time = document.createElement("time");
  time.dateTime = iso;
  showTime(time);
  return time;
}

export function refreshTimes(container = document) {
  for (const time of container.querySelectorAll("time[data-when='relative']")) showTime(time);
}

setInterval(refreshTimes, MINUTE_MS);
