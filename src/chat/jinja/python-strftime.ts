// datetime.strftime as CPython on Linux runs it (glibc, C locale), local time: the codes chat templates use,
// including glibc's "-" flag that drops zero padding (e.g. "%-d"). transformers calls it on a naive
// datetime.now(), so %z and %Z are empty.
const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function dayOfYear(date: Date): number {
  const start = new Date(date.getFullYear(), 0, 1);
  const utcNow = Date.UTC(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((utcNow - Date.UTC(start.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** Formats `date` with a Python strftime format; an unknown code is copied through, as glibc does. */
export function pythonStrftime(date: Date, format: string): string {
  return format.replace(/%(-?)([a-zA-Z%])/g, (whole, noPad: string, code: string) => {
    const num = (n: number, width: number, pad = "0"): string => (noPad ? String(n) : String(n).padStart(width, pad));
    const hour12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
    switch (code) {
      case "a": return weekdays[date.getDay()].slice(0, 3);
      case "A": return weekdays[date.getDay()];
      case "b": case "h": return months[date.getMonth()].slice(0, 3);
      case "B": return months[date.getMonth()];
      case "c": return pythonStrftime(date, "%a %b %e %H:%M:%S %Y");
      case "C": return num(Math.floor(date.getFullYear() / 100), 2);
      case "d": return num(date.getDate(), 2);
      case "D": return pythonStrftime(date, "%m/%d/%y");
      case "e": return num(date.getDate(), 2, " ");
      case "f": return num(date.getMilliseconds() * 1000, 6);
      case "F": return pythonStrftime(date, "%Y-%m-%d");
      case "H": return num(date.getHours(), 2);
      case "I": return num(hour12, 2);
      case "j": return num(dayOfYear(date), 3);
      case "k": return num(date.getHours(), 2, " ");
      case "l": return num(hour12, 2, " ");
      case "m": return num(date.getMonth() + 1, 2);
      case "M": return num(date.getMinutes(), 2);
      case "n": return "\n";
      case "p": return date.getHours() < 12 ? "AM" : "PM";
      case "r": return pythonStrftime(date, "%I:%M:%S %p");
      case "R": return pythonStrftime(date, "%H:%M");
      case "s": return String(Math.floor(date.getTime() / 1000));
      case "S": return num(date.getSeconds(), 2);
      case "t": return "\t";
      case "T": return pythonStrftime(date, "%H:%M:%S");
      case "u": return String(date.getDay() === 0 ? 7 : date.getDay());
      case "w": return String(date.getDay());
      case "x": return pythonStrftime(date, "%m/%d/%y");
      case "X": return pythonStrftime(date, "%H:%M:%S");
      case "y": return num(date.getFullYear() % 100, 2);
      case "Y": return String(date.getFullYear());
      case "z": return "";
      case "Z": return "";
      case "%": return "%";
      default: return whole;
    }
  });
}
