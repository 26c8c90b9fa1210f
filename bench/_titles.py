"""Project titles shaped like a municipality's real lists, for benchmarks at any size.

A verb, an object, and a place from a large vocabulary (Karaj's districts, neighbourhoods, streets
and numbered alleys), sometimes a phase or a year; about 3% are the same need proposed again with
different spelling or word order. Real lists share common words («احداث», «منطقه», «محله») but
rarely whole titles; `bench/overlaps.py`'s harsher set (10 verbs × 19 objects × 17 places) makes
a near-duplicate of almost every title and is kept beside this one.
"""

import random

VERBS = (
    "احداث تکمیل بهسازی ساماندهی نوسازی تجهیز توسعه خرید لایروبی مرمت بازسازی روکش آسفالت "
    "طراحی اجرای ایمن‌سازی هوشمندسازی نگهداری تعمیر جدول‌گذاری روشنایی زیباسازی محوطه‌سازی"
).split()
OBJECTS = [
    "پارک محله‌ای",
    "بوستان",
    "پیاده‌راه",
    "پارکینگ طبقاتی",
    "تقاطع غیرهمسطح",
    "ایستگاه آتش‌نشانی",
    "فرهنگسرا",
    "زمین ورزشی چندمنظوره",
    "مسیل",
    "معابر",
    "سرویس بهداشتی",
    "پل عابر پیاده",
    "بازارچه",
    "خانه سلامت",
    "کتابخانه",
    "سالن ورزشی بانوان",
    "خط اتوبوس تندرو",
    "ناوگان اتوبوس",
    "کمربند سبز",
    "کانال آب سطحی",
    "دیوار حائل",
    "پیاده‌رو",
    "میدان میوه و تره‌بار",
    "گرمخانه",
    "مرکز معاینه فنی",
    "ایستگاه دوچرخه",
    "پایانه مسافربری",
    "زیرگذر",
    "روگذر",
    "آرامستان",
    "جایگاه سوخت",
    "سامانه پایش ترافیک",
    "چراغ راهنمایی",
    "تابلوهای راهنما",
    "نمای ساختمان",
    "بافت فرسوده",
    "ساختمان اداری",
    "انبار مرکزی",
    "کارگاه بازیافت",
    "ایستگاه انتقال پسماند",
    "مخزن آب آبیاری",
    "چاه آب",
    "شبکه آبیاری قطره‌ای",
    "زمین بازی کودکان",
    "مجموعه ورزشی",
    "استخر سرپوشیده",
    "سینما",
    "موزه شهر",
    "سرای محله",
    "مهدکودک",
]
PLACES = ["محله", "خیابان", "بلوار", "میدان", "شهرک", "کوچه", "بزرگراه", "جاده"]
NAMES = (
    "گوهردشت مهرشهر حصارک فردیس عظیمیه گلشهر کمالشهر اسلام‌آباد باغستان شاهین‌ویلا جهانشهر "
    "حیدرآباد کرج‌نو دهقان‌ویلا شهرک‌بنفشه اخترآباد مصباح رجایی‌شهر فاز۴ ملارد محمدشهر ماهدشت "
    "کلاک سیدجمال‌الدین اتکا مهران شهرک‌اندیشه وحدت باهنر طالقانی بهشتی مطهری چمران شریعتی "
    "هفت‌تیر موذن دانش‌آموز درختی کاج ولیعصر امام‌زاده‌طاهر حسین‌آباد خوبان ظفر جمهوری "
    "سرحدآباد اسماعیل‌آباد کوی‌کارمندان شهرک‌ناز هلال‌احمر گلستان یاس نرگس لاله ارغوان"
).split()
QUALIFIERS = ["فاز ۱", "فاز ۲", "فاز ۳", "ادامه عملیات", "(مصوبه شورا)", "سال دوم", "باقیمانده"]


def realistic_titles(count, seed=1403):
    rng = random.Random(seed)
    titles = []
    for _ in range(count):
        if titles and rng.random() < 0.03:
            # The same need again, typed differently.
            words = rng.choice(titles).split()
            if rng.random() < 0.5 and len(words) > 3:
                words[1], words[2] = words[2], words[1]
            titles.append(" ".join(words).replace("ی", "ي").replace("ک", "ك"))
            continue
        title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(PLACES)} {rng.choice(NAMES)}"
        if rng.random() < 0.4:
            title += f" {rng.randint(1, 120)}"
        if rng.random() < 0.3:
            title += f" منطقه {rng.randint(1, 12)}"
        if rng.random() < 0.2:
            title += f" {rng.choice(QUALIFIERS)}"
        titles.append(title)
    return titles
