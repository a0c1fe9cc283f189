// Tells the server which time zone this browser is in, so dates read in the member's own
// clock until they choose one in their profile (community/time_zones.py). The server checks
// the name against the tz database and ignores anything else.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const current = document.cookie.split("; ").find((part) => part.startsWith("time_zone="));
if (zone && current !== `time_zone=${zone}`) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `time_zone=${zone}; path=/; max-age=31536000; SameSite=Lax${secure}`;
}
