"""Every sentence a user reads, in English and Spanish, and messages that can say themselves in either.

Core code raises and returns `Message`s: English strings (so logs, CLIs and tests read English) that
also remember their key and parameters, so the UI can show them in the user's language.
"""

from __future__ import annotations

from typing import Any, Self

LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT = "en"

# key: (English, Spanish). Placeholders use str.format and must match between the two.
CATALOG: dict[str, tuple[str, str]] = {
    # diagnoses
    "class.akiec": ("Actinic keratosis / intraepithelial carcinoma", "Queratosis actínica / carcinoma intraepitelial"),
    "class.bcc": ("Basal cell carcinoma", "Carcinoma basocelular"),
    "class.bkl": ("Benign keratosis-like lesion", "Lesión queratósica benigna"),
    "class.df": ("Dermatofibroma", "Dermatofibroma"),
    "class.mel": ("Melanoma", "Melanoma"),
    "class.nv": ("Melanocytic nevus (mole)", "Nevo melanocítico (lunar)"),
    "class.vasc": ("Vascular lesion", "Lesión vascular"),
    # short names, where seven must fit across a phone (the card's confusion matrix); hovering gives the full one
    "short.akiec": ("Actinic ker.", "Quer. actínica"),
    "short.bcc": ("Basal cell", "Basocelular"),
    "short.bkl": ("Benign ker.", "Quer. benigna"),
    "short.df": ("Dermatofib.", "Dermatofib."),
    "short.mel": ("Melanoma", "Melanoma"),
    "short.nv": ("Nevus", "Nevo"),
    "short.vasc": ("Vascular", "Vascular"),
    "about.akiec": (
        (
            "Rough, scaly sun-damage lesion (actinic keratosis) or its in-situ carcinoma form (Bowen's disease). "
            "Pre-malignant: usually treated."
        ),
        (
            "Lesión áspera y escamosa por daño solar (queratosis actínica) o su forma de carcinoma in situ "
            "(enfermedad de Bowen). Premaligna: suele tratarse."
        ),
    ),
    "about.bcc": (
        "The most common skin cancer. Grows slowly and rarely spreads, but destroys tissue locally if left untreated.",
        (
            "El cáncer de piel más frecuente. Crece despacio y rara vez se extiende, pero destruye el tejido local "
            "si no se trata."
        ),
    ),
    "about.bkl": (
        (
            "Benign growths such as seborrhoeic keratoses, solar lentigines and lichen-planus-like keratoses. "
            "Harmless, but can look like melanoma."
        ),
        (
            "Crecimientos benignos como queratosis seborreicas, lentigos solares y queratosis liquenoides. "
            "Inofensivos, pero pueden parecer un melanoma."
        ),
    ),
    "about.df": (
        "A firm, benign fibrous nodule, often on the legs. Harmless.",
        "Nódulo fibroso, firme y benigno, a menudo en las piernas. Inofensivo.",
    ),
    "about.mel": (
        (
            "A malignant tumour of pigment cells. Dangerous when found late; any suspicion warrants a specialist's "
            "examination."
        ),
        (
            "Tumor maligno de las células del pigmento. Peligroso si se detecta tarde; ante cualquier sospecha, "
            "debe verlo un especialista."
        ),
    ),
    "about.nv": (
        "A common benign mole. By far the most frequent lesion in HAM10000.",
        "Un lunar benigno común. Con diferencia, la lesión más frecuente en HAM10000.",
    ),
    "about.vasc": (
        "Benign blood-vessel lesions such as cherry angiomas, angiokeratomas and pyogenic granulomas.",
        "Lesiones benignas de los vasos sanguíneos, como angiomas rubí, angioqueratomas y granulomas piógenos.",
    ),
    # patient vocabulary (HAM10000's)
    "sex.male": ("male", "hombre"),
    "sex.female": ("female", "mujer"),
    "site.abdomen": ("abdomen", "abdomen"),
    "site.acral": ("acral", "acral"),
    "site.back": ("back", "espalda"),
    "site.chest": ("chest", "pecho"),
    "site.ear": ("ear", "oreja"),
    "site.face": ("face", "cara"),
    "site.foot": ("foot", "pie"),
    "site.genital": ("genital", "genital"),
    "site.hand": ("hand", "mano"),
    "site.lower extremity": ("lower extremity", "extremidad inferior"),
    "site.neck": ("neck", "cuello"),
    "site.scalp": ("scalp", "cuero cabelludo"),
    "site.trunk": ("trunk", "tronco"),
    "site.upper extremity": ("upper extremity", "extremidad superior"),
    "site.unknown": ("unknown", "desconocido"),
    "sex.unknown": ("unknown", "desconocido"),
    # outcomes and their reasons
    "outcome.refer": ("Refer: possible malignancy", "Derivar: posible malignidad"),
    "outcome.benign": ("Likely benign", "Probablemente benigna"),
    "outcome.uncertain": ("Uncertain", "Incierta"),  # as "Probablemente benigna" and "1 incierta": la lesión
    "outcome.not_lesion": ("uncertain: not a lesion photo", "incierta: no es una foto de lesión"),
    "reason.refer": (
        (
            "The combined probability of melanoma, basal cell carcinoma and actinic keratosis is {mal}, "
            "at or above the referral threshold of {threshold}."
        ),
        (
            "La probabilidad conjunta de melanoma, carcinoma basocelular y queratosis actínica es {mal}, "
            "igual o superior al umbral de derivación del {threshold}."
        ),
    ),
    "reason.spread": (
        "No class is clearly ahead (the most likely has {top}); the photo may be unclear or the lesion unusual.",
        (
            "Ninguna clase destaca con claridad (la más probable tiene {top}); la foto puede no ser clara o la "
            "lesión ser poco habitual."
        ),
    ),
    "reason.benign": (
        "The combined probability of a malignant lesion is {mal}, below the referral threshold of {threshold}.",
        (
            "La probabilidad conjunta de una lesión maligna es {mal}, por debajo del umbral de derivación "
            "del {threshold}."
        ),
    ),
    "reason.unlike": (
        (
            "This photo does not look like the dermatoscopic lesion photos the model was trained on, so no diagnosis "
            "is given. Upload a dermatoscope photo with the lesion centred and in focus."
        ),
        (
            "Esta foto no se parece a las fotos dermatoscópicas de lesiones con las que se entrenó el modelo, así que "
            "no se da ningún diagnóstico. Sube una foto de dermatoscopio con la lesión centrada y enfocada."
        ),
    ),
    "reason.not_lesion": (
        (
            "This photo does not look like a photo of a skin lesion, so no diagnosis is given. Take a close-up of "
            "the lesion, centred and in focus, with a phone or through a dermatoscope."
        ),
        (
            "Esta foto no parece una foto de una lesión de la piel, así que no se da ningún diagnóstico. Haz una "
            "foto de cerca de la lesión, centrada y enfocada, con el móvil o con un dermatoscopio."
        ),
    ),
    "reason.retake_blurred": (
        (
            "This photo is too blurred to read, so no diagnosis is given. Take it again: hold still, tap the lesion "
            "on the screen to focus, and come no closer than the camera can focus."
        ),
        (
            "Esta foto está demasiado borrosa para leerla, así que no se da ningún diagnóstico. Hazla de nuevo: "
            "sin moverte, toca la lesión en la pantalla para enfocar y no te acerques más de lo que la cámara enfoca."
        ),
    ),
    "reason.refer_retake": (
        (
            "The combined probability of melanoma, basal cell carcinoma and actinic keratosis is {mal}, at or above "
            "the referral threshold of {threshold}, even on a photo too blurred, too dark or with too small a lesion "
            "to read well: refer, and take it again if you can."
        ),
        (
            "La probabilidad conjunta de melanoma, carcinoma basocelular y queratosis actínica es {mal}, igual o "
            "superior al umbral de derivación del {threshold}, aun en una foto demasiado borrosa u oscura, o con la "
            "lesión demasiado pequeña, para leerla bien: deriva y, si puedes, hazla de nuevo."
        ),
    ),
    "reason.retake_dark": (
        (
            "This photo is too dark to read, so no diagnosis is given. Take it again in daylight or good room light, "
            "without flash glare."
        ),
        (
            "Esta foto está demasiado oscura para leerla, así que no se da ningún diagnóstico. Hazla de nuevo con luz "
            "de día o buena luz ambiente, sin el reflejo del flash."
        ),
    ),
    "reason.retake_small": (
        (
            "The lesion takes up too little of this photo to read, so no diagnosis is given. Take it again from "
            "closer: the lesion and a little skin around it should fill the frame."
        ),
        (
            "La lesión ocupa muy poco de la foto para poder leerla, así que no se da ningún diagnóstico. Hazla de "
            "nuevo más de cerca: que la lesión y un poco de piel alrededor llenen el encuadre."
        ),
    ),
    "reason.unlike_lesion": (
        (
            "This lesion photo is unlike the photos the model learned from, so it is not called benign: the "
            "combined probability of a malignant lesion is {mal}, below the referral threshold of {threshold}, "
            "but on such photos that means less."
        ),
        (
            "Esta foto de lesión no se parece a las fotos con las que aprendió el modelo, así que no se da por "
            "benigna: la probabilidad conjunta de una lesión maligna es {mal}, por debajo del umbral de derivación "
            "del {threshold}, pero en fotos así eso significa menos."
        ),
    ),
    # image problems
    "image.accepted": (
        "a JPEG, PNG, WebP, BMP, TIFF, GIF or HEIC photo",
        "una foto JPEG, PNG, WebP, BMP, TIFF, GIF o HEIC",
    ),
    "image.empty": (
        "The file is empty. Upload {accepted} of the lesion.",
        "El archivo está vacío. Sube {accepted} de la lesión.",
    ),
    "image.too_large": (
        (
            "The file is {size:.1f} MB; the limit is {limit:.0f} MB. Upload a smaller photo (a dermatoscope or phone "
            "JPEG is usually 1-5 MB)."
        ),
        (
            "El archivo ocupa {size:.1f} MB; el límite es {limit:.0f} MB. Sube una foto más pequeña (un JPEG de "
            "dermatoscopio o de móvil suele ocupar 1-5 MB)."
        ),
    ),
    "image.too_many_pixels": (
        (
            "The image has {width}x{height} pixels ({megapixels:.1f} megapixels); SkinScan reads up to {limit} "
            "megapixels for this format and {side} pixels a side. Upload a smaller export of the photo (any 12 "
            "megapixel JPEG is plenty)."
        ),
        (
            "La imagen tiene {width}x{height} píxeles ({megapixels:.1f} megapíxeles); SkinScan lee hasta {limit} "
            "megapíxeles en este formato y {side} píxeles por lado. Sube una exportación más pequeña de la foto "
            "(cualquier JPEG de 12 megapíxeles basta)."
        ),
    ),
    "image.too_small": (
        (
            "The image is only {width}x{height} pixels; at least {min_side} pixels a side are needed. Upload the "
            "original photo rather than a thumbnail or icon."
        ),
        (
            "La imagen solo tiene {width}x{height} píxeles; hacen falta al menos {min_side} píxeles por lado. Sube la "
            "foto original, no una miniatura ni un icono."
        ),
    ),
    "image.bomb": (
        (
            "The image claims more than {megapixels} megapixels, far more than any camera takes. Upload the photo as "
            "your camera or dermatoscope saved it."
        ),
        (
            "La imagen declara más de {megapixels} megapíxeles, mucho más de lo que toma cualquier cámara. Sube la "
            "foto tal como la guardó la cámara o el dermatoscopio."
        ),
    ),
    "image.not_image": (
        "This file is not an image SkinScan can read (it looks like {what}). Upload {accepted} of the lesion.",
        "Este archivo no es una imagen que SkinScan pueda leer (parece {what}). Sube {accepted} de la lesión.",
    ),
    "image.float_tiff": (
        (
            "This TIFF stores its colours as floating-point numbers (a scientific or HDR export), which SkinScan "
            "cannot read. Export it as an 8-bit JPEG or PNG and upload that."
        ),
        (
            "Este TIFF guarda sus colores como números de coma flotante (una exportación científica o HDR), que "
            "SkinScan no puede leer. Expórtalo como JPEG o PNG de 8 bits y sube ese archivo."
        ),
    ),
    "image.damaged": (
        (
            "The {format} file is damaged or incomplete (perhaps cut off while copying). Upload the photo again, or "
            "export it anew from the camera or gallery."
        ),
        (
            "El archivo {format} está dañado o incompleto (quizá se cortó al copiarlo). Vuelve a subir la foto o "
            "expórtala de nuevo desde la cámara o la galería."
        ),
    ),
    "image.unsupported_format": (
        "This picture is in the {format} format, which SkinScan does not read. Upload {accepted} of the lesion.",
        "Esta imagen está en formato {format}, que SkinScan no lee. Sube {accepted} de la lesión.",
    ),
    "image.too_much_metadata": (
        (
            "The {format} file carries more than {count} metadata blocks, far more than any camera writes, so it is "
            "not read. Upload the photo as your camera or dermatoscope saved it, or export it anew."
        ),
        (
            "El archivo {format} lleva más de {count} bloques de metadatos, muchos más de los que escribe cualquier "
            "cámara, así que no se lee. Sube la foto tal como la guardó la cámara o el dermatoscopio, o expórtala de "
            "nuevo."
        ),
    ),
    "image.is_folder": ("{path} is a folder, not an image file.", "{path} es una carpeta, no un archivo de imagen."),
    "image.missing": ("{path} does not exist.", "{path} no existe."),
    "image.unreadable": ("{path} cannot be read ({why}).", "{path} no se puede leer ({why})."),
    "what.pdf": ("a PDF document", "un documento PDF"),
    "what.zip": ("a ZIP archive (or an Office document)", "un archivo ZIP (o un documento de Office)"),
    "what.exe": ("a Windows program", "un programa de Windows"),
    "what.program": ("a program", "un programa"),
    "what.svg": ("an SVG drawing", "un dibujo SVG"),
    "what.xml": ("an XML or SVG file", "un archivo XML o SVG"),
    "what.html": ("a web page", "una página web"),
    "what.binary": ("binary data, not a picture", "datos binarios, no una imagen"),
    "what.text": ("a text file", "un archivo de texto"),
}


# The app's own sentences.
CATALOG.update(
    {
        "app.tab_title": ("SkinScan: skin-lesion classifier", "SkinScan: clasificador de lesiones de la piel"),
        "app.intro": (
            (
                "Upload a photo of a skin lesion (through a dermatoscope, or a phone close-up), or take one. SkinScan shows the three most likely of "
                "seven diagnoses with calibrated probabilities, where the network looked, and how the diagnosis presents "
                "in the HAM10000 data set. *A teaching demo, not a diagnosis.* Language, mode and model: in the side "
                "panel (on a phone, the » at the top left)."
            ),
            (
                "Sube una foto de una lesión de la piel (con dermatoscopio, o de cerca con el móvil), o hazla. SkinScan muestra los tres diagnósticos "
                "más probables de siete, con probabilidades calibradas, dónde miró la red y cómo se presenta el "
                "diagnóstico en el conjunto de datos HAM10000. *Una demostración docente, no un diagnóstico.* Idioma, "
                "modo y modelo: en el panel lateral (en un móvil, el » de arriba a la izquierda)."
            ),
        ),
        "app.model_unusable": (
            "The model **{name}** cannot be used: {why}.",
            "No se puede usar el modelo **{name}**: {why}.",
        ),
        "app.waiting": (
            "Waiting for a photo. Nothing is analysed until you upload or take one.",
            "Esperando una foto. No se analiza nada hasta que subas o hagas una.",
        ),
        "app.analysing": ("Analysing…", "Analizando…"),
        "app.analysing_name": ("Analysing {name}…", "Analizando {name}…"),
        "app.loading_model": ("Loading the model…", "Cargando el modelo…"),
        "app.cannot_analyse": ("**{name}** cannot be analysed. {why}", "No se puede analizar **{name}**. {why}"),
        "app.internal_error": (
            (
                "**{name}** could not be analysed because of an internal error. Try another photo; if it keeps "
                "happening, restart the app."
            ),
            (
                "No se pudo analizar **{name}** por un error interno. Prueba con otra foto; si sigue pasando, reinicia "
                "la aplicación."
            ),
        ),
        # sidebar
        "side.settings": ("Settings", "Ajustes"),
        "side.language": ("Language", "Idioma"),
        "side.mode": ("Mode", "Modo"),
        "side.mode_help": (
            (
                "Several photos: a table with referrals first, and a PDF report. Walkthrough: a guided tour of one photo "
                "for a live demo."
            ),
            (
                "Varias fotos: una tabla con las derivaciones primero y un informe PDF. Visita guiada: un recorrido paso "
                "a paso por una foto para una demostración en directo."
            ),
        ),
        "mode.one": ("One photo", "Una foto"),
        "mode.batch": ("Several photos", "Varias fotos"),
        "mode.walkthrough": ("Walkthrough", "Visita guiada"),
        "side.model": ("Model · balanced accuracy", "Modelo · exactitud equilibrada"),
        "side.model_label": ("{name} · {bal}", "{name} · {bal}"),
        "side.model_help": (
            (
                "Models shipped in weights/, default first. The figure beside each name is its balanced accuracy: the "
                "mean recall over the seven classes on the held-out HAM10000 test lesions."
            ),
            (
                "Modelos incluidos en weights/, el predeterminado primero. La exactitud equilibrada es la sensibilidad "
                "media de las siete clases en las lesiones de prueba reservadas."
            ),
        ),
        "side.no_model": (
            "No usable model found in {folder}/ (each needs a .keras file and its .json model card).",
            "No hay ningún modelo utilizable en {folder}/ (cada uno necesita un archivo .keras y su ficha .json).",
        ),
        "side.model_files": ("Model files: {problem}.", "Archivos de modelo: {problem}."),
        "side.patient": ("Patient (optional)", "Paciente (opcional)"),
        "side.patient_help": (
            "Only used to place the patient in the dataset charts; the model sees the photo alone.",
            "Solo sirve para situar al paciente en los gráficos del conjunto de datos; el modelo ve únicamente la foto.",
        ),
        "side.age": ("Age", "Edad"),
        "side.sex": ("Sex", "Sexo"),
        "side.site": ("Body site", "Localización"),
        "side.not_given": ("not given", "sin indicar"),
        "side.about": ("About this model", "Sobre este modelo"),
        "side.disclaimer": (
            (
                "SkinScan is a research and teaching demo, **not a diagnosis** and not a medical device. It has not been "
                "validated clinically. Any lesion that worries you or your patient belongs in front of a dermatologist, "
                "whatever SkinScan says."
            ),
            (
                "SkinScan es una demostración de investigación y docencia, **no un diagnóstico** ni un producto sanitario. "
                "No se ha validado clínicamente. Cualquier lesión que te preocupe a ti o a tu paciente debe verla un "
                "dermatólogo, diga lo que diga SkinScan."
            ),
        ),
        "side.privacy": (
            (
                "Photos are processed in memory only: nothing you upload or take with the camera is written to disk, "
                "logged or kept after you close the page."
            ),
            (
                "Las fotos se procesan solo en memoria: nada de lo que subas o hagas con la cámara se escribe en disco, "
                "se registra ni se guarda al cerrar la página."
            ),
        ),
        "about.open": ("Open the model card", "Abrir la ficha del modelo"),
        "about.title": ("The model {name}", "El modelo {name}"),
        "about.source": (
            (
                "**{source}** ({n} photos of lesions it never saw while it was built): its first answer was right for "
                "**{acc}** of photos, and for **{bal}** on average over the diagnoses present. Of the malignant lesions "
                "it asked to refer **{sens}**; it also asked to refer **{fp}** of the benign ones. Of a melanoma and a "
                "non-melanoma picked at random, it ranks the melanoma as more suspicious **{auc}** of the time. Its "
                "stated probabilities are off by **{ece} points** on average."
            ),
            (
                "**{source}** ({n} fotos de lesiones que no vio mientras se construía): su primera respuesta acertó en "
                "el **{acc}** de las fotos, y en el **{bal}** de media entre los diagnósticos presentes. De las lesiones "
                "malignas pidió derivar el **{sens}**; también pidió derivar el **{fp}** de las benignas. De un melanoma "
                "y un no melanoma elegidos al azar, considera más sospechoso al melanoma el **{auc}** de las veces. Sus "
                "probabilidades se desvían **{ece} puntos** de media."
            ),
        ),
        "about.rule": (
            (
                "The rules, in order: a photo unlike the training photos is Uncertain, with no diagnosis; a photo "
                "whose melanoma, basal cell carcinoma and actinic keratosis together reach **{thr}** is referred, even "
                "when no diagnosis is clearly ahead, because missing a malignancy costs more; then a photo with no "
                "diagnosis above {low} is Uncertain; the rest is Likely benign."
            ),
            (
                "Las reglas, en orden: una foto distinta de las de entrenamiento es Incierta, sin diagnóstico; una foto "
                "cuyos melanoma, carcinoma basocelular y queratosis actínica suman al menos el **{thr}** se deriva, "
                "aunque ningún diagnóstico destaque, porque pasar por alto una malignidad cuesta más; después, una foto "
                "sin ningún diagnóstico por encima del {low} es Incierta; el resto, Probablemente benigna."
            ),
        ),
        "about.rule_typed": (
            (
                "The rules, in order: a photo that is not of a skin lesion gets no diagnosis; a photo too blurred, too "
                "dark or with too small a lesion is asked for again, unless it reaches the referral threshold anyway; a photo whose melanoma, "
                "basal cell carcinoma and actinic keratosis together reach **{thr}** (**{thr_phone}** for a phone "
                "close-up) is referred, even when no diagnosis is clearly ahead and even when the photo is unlike the "
                "training photos, because missing a malignancy costs more; then a photo unlike the training photos, "
                "or with no diagnosis above {low}, is Uncertain; the rest is Likely benign."
            ),
            (
                "Las reglas, en orden: una foto que no es de una lesión de la piel no recibe diagnóstico; una foto "
                "demasiado borrosa u oscura, o con la lesión demasiado pequeña, se pide de nuevo, salvo que alcance igualmente el umbral de derivación; "
                "una foto cuyos melanoma, carcinoma basocelular y queratosis actínica suman al menos el **{thr}** (el "
                "**{thr_phone}** en una foto de cerca con el móvil) se deriva, aunque ningún diagnóstico destaque y "
                "aunque la foto sea distinta de las de entrenamiento, porque pasar por alto una malignidad cuesta más; "
                "después, una foto distinta de las de entrenamiento, o sin ningún diagnóstico por encima del {low}, es "
                "Incierta; el resto, Probablemente benigna."
            ),
        ),
        "about.matrix": (
            "What it answers for each true diagnosis (HAM10000 test photos)",
            "Qué responde para cada diagnóstico real (fotos de prueba de HAM10000)",
        ),
        "about.calibration": (
            "Is it right as often as it says? (all test photos)",
            "¿Acierta tan a menudo como dice? (todas las fotos de prueba)",
        ),
        "about.true": ("true diagnosis", "diagnóstico real"),
        "about.said": ("the model's answer", "respuesta del modelo"),
        "about.stated": ("what it says (top answer's probability)", "lo que dice (probabilidad de su respuesta)"),
        "about.right": ("how often it is right", "con qué frecuencia acierta"),
        "about.size": (
            "{params} million numbers learned; it looks at photos at {h}x{w} pixels.",
            "{params} millones de números aprendidos; mira las fotos a {h}x{w} píxeles.",
        ),
        "source.ham10000": ("HAM10000 (Vienna and Queensland clinics)", "HAM10000 (clínicas de Viena y Queensland)"),
        "source.isic2017": (
            "ISIC 2017 (other clinics and dermatoscopes)",
            "ISIC 2017 (otras clínicas y dermatoscopios)",
        ),
        "source.phone": (
            "PAD-UFES-20 phone close-ups (one programme in Brazil), read by the phone part",
            "Fotos de cerca con móvil de PAD-UFES-20 (un programa de Brasil), leídas por la parte para móvil",
        ),
        "about.use": (
            (
                "**Intended use.** Teaching and demonstration with dermatoscopic photos like HAM10000's. Not for "
                "self-diagnosis; phone photos without a dermatoscope, other skin types and other diagnoses are outside "
                "what it was trained on."
            ),
            (
                "**Uso previsto.** Docencia y demostración con fotos dermatoscópicas como las de HAM10000. No sirve para "
                "autodiagnóstico; las fotos de móvil sin dermatoscopio, otros tipos de piel y otros diagnósticos quedan "
                "fuera de su entrenamiento."
            ),
        ),
        "about.use_phone": (
            (
                "**Intended use.** Teaching and demonstration, mostly with dermatoscopic photos like HAM10000's. A phone "
                "close-up is recognised as one and read by a part of the model that learned from {n} phone photos of "
                "one clinic in Brazil: less reliable. Not for self-diagnosis; other skin types and other diagnoses are "
                "outside what it was trained on."
            ),
            (
                "**Uso previsto.** Docencia y demostración, sobre todo con fotos dermatoscópicas como las de HAM10000. "
                "Una foto de cerca con el móvil se reconoce como tal y la lee una parte del modelo que aprendió de {n} "
                "fotos de móvil de una clínica de Brasil: menos fiable. No sirve para autodiagnóstico; otros tipos de "
                "piel y otros diagnósticos quedan fuera de su entrenamiento."
            ),
        ),
        "about.data": ("**Data.** {citation} Licence: {licence}.", "**Datos.** {citation} Licencia: {licence}."),
        # photo input
        "in.upload_tab": ("Upload a photo", "Subir una foto"),
        "in.camera_tab": ("Take a photo", "Hacer una foto"),
        "in.examples_tab": ("Examples", "Ejemplos"),
        "in.uploader": (
            "Photo of the lesion (up to {mb} MB)",
            "Foto de la lesión (hasta {mb} MB)",
        ),
        "in.camera": ("Take a photo of the lesion", "Haz una foto de la lesión"),
        "in.tips": (
            (
                "**For a good result**\n- A dermatoscope photo is read best: that is what the model learned most from.\n"
                "- Centre the lesion and fill most of the frame with it.\n- Keep it in focus, evenly lit, without glare "
                "or hair across it.\n\nA phone close-up is recognised as one and read by a part of the model that "
                "learned from phone photos; the page says it is less reliable."
            ),
            (
                "**Para un buen resultado**\n- Una foto de dermatoscopio se lee mejor: es de lo que más aprendió el "
                "modelo.\n- Centra la lesión y haz que ocupe casi todo el encuadre.\n- Que esté enfocada, con luz "
                "uniforme, sin reflejos ni pelos encima.\n\nUna foto de cerca con el móvil se reconoce como tal y la "
                "lee una parte del modelo que aprendió de fotos de móvil; la página dice que es menos fiable."
            ),
        ),
        "in.camera_tips": (
            (
                "**Taking the photo**\n- Fill the frame with the lesion and a little skin around it.\n- Tap the "
                "lesion to focus; hold still.\n- Daylight or good room light; no flash glare, no shadow of the phone.\n"
                "\nA photo too blurred, too dark or with too small a lesion is not read: you will be asked to take it "
                "again."
            ),
            (
                "**Al hacer la foto**\n- Que la lesión y un poco de piel alrededor llenen el encuadre.\n- Toca la "
                "lesión para enfocar; no te muevas.\n- Luz de día o buena luz ambiente; sin reflejo del flash ni sombra "
                "del móvil.\n\nUna foto demasiado borrosa u oscura, o con la lesión demasiado pequeña, no se lee: se te "
                "pedirá que la repitas."
            ),
        ),
        "in.examples_help": (
            "Photos of test-split lesions (never used in training), with their true diagnosis.",
            "Fotos de lesiones del conjunto de prueba (nunca usadas en el entrenamiento), con su diagnóstico real.",
        ),
        "in.true_dx": ("True diagnosis", "Diagnóstico real"),
        "in.analyse_example": ("Analyse", "Analizar"),
        "in.example_chosen": (
            "Test-split example **{image_id}**, true diagnosis **{name}**: its answer is below.",
            "Ejemplo del conjunto de prueba **{image_id}**, diagnóstico real **{name}**: su respuesta está debajo.",
        ),
        "in.example_another": ("Choose another example", "Elegir otro ejemplo"),
        "in.example_unreadable": (
            "Example {image_id} could not be read from the data folder.",
            "No se pudo leer el ejemplo {image_id} de la carpeta de datos.",
        ),
        # result
        "res.true_label_match": (
            "True diagnosis of this test-split example: **{name}** ({dx}); the model's top-1 matches it.",
            "Diagnóstico real de este ejemplo de prueba: **{name}** ({dx}); la primera opción del modelo coincide.",
        ),
        "res.true_label_referred": (
            (
                "True diagnosis of this test-split example: **{name}** ({dx}). The model referred it, the right "
                "action for a malignant lesion, though its top-1 guess was {top1}."
            ),
            (
                "Diagnóstico real de este ejemplo de prueba: **{name}** ({dx}). El modelo lo derivó, lo correcto "
                "ante una lesión maligna, aunque su primera opción fue {top1}."
            ),
        ),
        "res.true_label_differ": (
            "True diagnosis of this test-split example: **{name}** ({dx}); the model's top-1 differs from it.",
            "Diagnóstico real de este ejemplo de prueba: **{name}** ({dx}); la primera opción del modelo es otra.",
        ),
        "res.transparency": (
            "Shown for transparency only: for a photo unlike the training images these numbers mean little.",
            (
                "Se muestran solo por transparencia: en una foto distinta de las de entrenamiento estas cifras "
                "significan poco."
            ),
        ),
        "res.where": ("Where the network looked", "Dónde miró la red"),
        # Alt text: what a screen reader says for each picture.
        "alt.photo": ("The photo as the network saw it: {name}", "La foto tal como la vio la red: {name}"),
        "alt.seen": ("The photo as the network saw it", "La foto tal como la vio la red"),
        "alt.heatmap": (
            "Heatmap over the photo: red where the network looked most for {name}, blue where it looked least",
            "Mapa de calor sobre la foto: rojo donde la red más miró para {name}, azul donde menos",
        ),
        "alt.example": (
            "Test photo {image_id}, true diagnosis: {name}",
            "Foto de prueba {image_id}, diagnóstico real: {name}",
        ),
        "alt.similar": (
            "The {k} most similar training lesions, left to right in the order listed below",
            "Las {k} lesiones de entrenamiento más parecidas, de izquierda a derecha en el orden de la lista",
        ),
        "res.analysed": ("Analysed: {name}", "Analizada: {name}"),
        "res.answered_by": ("Answered by the model **{model}**.", "Respuesta del modelo **{model}**."),
        "res.unlike_note": (
            "This photo is unlike the photos the model learned from (another dermatoscope or clinic?): "
            "its numbers are less reliable.",
            "Esta foto no se parece a las fotos con las que aprendió el modelo (¿otro dermatoscopio u otra "
            "clínica?): sus cifras son menos fiables.",
        ),
        "res.answers_moved": (
            "The patient's answers moved the combined probability of a malignant lesion from {before} (the photo "
            "alone) to {after}.",
            "Las respuestas del paciente han movido la probabilidad conjunta de una lesión maligna del {before} (solo "
            "la foto) al {after}.",
        ),
        "ans.title": ("What the patient says (optional)", "Lo que cuenta el paciente (opcional)"),
        "ans.help": (
            "Phone photos come with a history. Answer what you know; an unanswered question changes nothing.",
            "Las fotos de móvil vienen con una historia. Responde lo que sepas; una pregunta sin responder no "
            "cambia nada.",
        ),
        "ans.itch": ("Does it itch?", "¿Pica?"),
        "ans.grew": ("Has it grown?", "¿Ha crecido?"),
        "ans.hurt": ("Does it hurt?", "¿Duele?"),
        "ans.changed": ("Has it changed?", "¿Ha cambiado?"),
        "ans.bleed": ("Has it bled?", "¿Ha sangrado?"),
        "ans.elevation": ("Is it raised?", "¿Está elevada?"),
        "ans.unknown": ("not known", "no se sabe"),
        "ans.yes": ("yes", "sí"),
        "ans.no": ("no", "no"),
        "res.photo_type": ("Photo type: **{kind}**", "Tipo de foto: **{kind}**"),
        "res.typed_by": ("Photo type: **{kind}** · model **{model}**", "Tipo de foto: **{kind}** · modelo **{model}**"),
        "kind.dermoscopy": ("dermatoscope photo", "foto de dermatoscopio"),
        "kind.clinical": ("phone close-up", "foto de cerca con móvil"),
        "kind.not_lesion": ("not a skin lesion", "no es una lesión de la piel"),
        "kind_note.clinical": (
            "Read by a part of the model that learned from {n} phone photos only: less reliable than a "
            "dermatoscope photo, and it never names a dermatofibroma or a vascular lesion (none were among them).",
            "La lee una parte del modelo que aprendió solo de {n} fotos de móvil: menos fiable que una foto de "
            "dermatoscopio, y nunca nombra un dermatofibroma ni una lesión vascular (no había ninguno entre ellas).",
        ),
        "kind_note.not_lesion": (
            "No diagnosis is given for it; the numbers below mean nothing for a lesion.",
            "No se da ningún diagnóstico; las cifras de abajo no significan nada para una lesión.",
        ),
        "res.missed": (
            (
                "**The model got this example wrong:** its true diagnosis is **{name}**, but the model's answer is "
                "**{answer}**. A good reminder that a screening aid misses lesions."
            ),
            (
                "**El modelo se equivocó con este ejemplo:** su diagnóstico real es **{name}**, pero la respuesta del "
                "modelo es **{answer}**. Un buen recordatorio de que una ayuda de cribado se deja lesiones."
            ),
        ),
        "res.conformal": (
            "With 90% confidence the diagnosis is one of: **{names}**.",
            "Con un 90 % de confianza el diagnóstico es uno de: **{names}**.",
        ),
        "res.no_set": (
            (
                "This model gives no 90% set of diagnoses: a set needs a fit on validation photos that only some "
                "models carry (the ensemble does)."
            ),
            (
                "Este modelo no da un conjunto de diagnósticos al 90 %: el conjunto necesita un ajuste en fotos de "
                "validación que solo llevan algunos modelos (el conjunto de redes sí)."
            ),
        ),
        "res.conformal_refer": (
            (
                "Still referred: no single malignant diagnosis is likely enough to join that set, but together "
                "melanoma, basal cell carcinoma and actinic keratosis reach {mal}, at or above the referral threshold."
            ),
            (
                "Aun así se deriva: ningún diagnóstico maligno es por sí solo lo bastante probable para entrar en ese "
                "conjunto, pero juntos el melanoma, el carcinoma basocelular y la queratosis actínica suman {mal}, "
                "lo que iguala o supera el umbral de derivación."
            ),
        ),
        "res.calibration_note": (
            (
                "These probabilities are calibrated on HAM10000-like dermatoscope photos. On photos from other "
                "dermatoscopes they are less reliable: on a second collection (ISIC 2017) this model ranks melanoma "
                "with an AUC of {other:.2f}, against {ham:.2f} on HAM10000."
            ),
            (
                "Estas probabilidades están calibradas con fotos de dermatoscopio como las de HAM10000. En fotos de otros "
                "dermatoscopios son menos fiables: en una segunda colección (ISIC 2017) este modelo ordena el melanoma "
                "con un AUC de {other:.2f}, frente a {ham:.2f} en HAM10000."
            ),
        ),
        "res.computed_anyway": (
            "What the network computed anyway (not a diagnosis)",
            "Lo que la red calculó de todos modos (no es un diagnóstico)",
        ),
        "res.explain_class": ("Explain the class", "Explicar la clase"),
        "res.method": ("Method", "Método"),
        "res.method_help": (
            (
                "Grad-CAM and Grad-CAM++ come with the answer; Score-CAM runs the network on 16 masked copies of the "
                "photo, so its first map of each class takes a moment."
            ),
            (
                "Grad-CAM y Grad-CAM++ llegan con la respuesta; Score-CAM pasa la red por 16 copias enmascaradas de "
                "la foto, así que su primer mapa de cada clase tarda un momento."
            ),
        ),
        "res.opacity": ("Heatmap opacity", "Opacidad del mapa de calor"),
        "res.computing": ("Computing {method}…", "Calculando {method}…"),
        "res.model_saw": ("What the model saw", "Lo que vio el modelo"),
        "res.cam_caption": (
            "{method} for {name}: red = most influential",
            "{method} para {name}: rojo = lo que más influyó",
        ),
        "res.download_cam": ("Download for a slide (PNG)", "Descargar para una diapositiva (PNG)"),
        "res.slide_title": ("{method} for {name}", "{method} para {name}"),
        "res.legend_low": ("blue: ignored", "azul: ignorado"),
        "res.legend_high": ("red: most influential", "rojo: lo que más influyó"),
        "res.slide_footer": (
            "SkinScan, model {model}: a teaching demo, not a diagnosis.",
            "SkinScan, modelo {model}: una demostración docente, no un diagnóstico.",
        ),
        "res.cam_warning": (
            (
                "A heatmap shows which pixels moved the score, not proof that the model reasoned like a dermatologist. "
                "If it lights up rulers, hair or the frame edge, distrust the answer."
            ),
            (
                "Un mapa de calor muestra qué píxeles movieron la puntuación, no prueba que el modelo razonara como un "
                "dermatólogo. Si resalta reglas, pelos o el borde del encuadre, desconfía de la respuesta."
            ),
        ),
        "res.context": ("Context: {name} in HAM10000", "Contexto: {name} en HAM10000"),
        "res.no_context": (
            "Dataset context is unavailable: {why}.",
            "El contexto del conjunto de datos no está disponible: {why}.",
        ),
        "res.reliability": (
            (
                "**How reliable is this model for {dx}?** On held-out test lesions it found **{recall:.0%}** of true "
                "{dx} (recall), and **{precision:.0%}** of its {dx} answers were right (precision), over {support} test "
                "images."
            ),
            (
                "**¿Qué fiabilidad tiene este modelo para {dx}?** En las lesiones de prueba reservadas encontró el "
                "**{recall:.0%}** de las lesiones reales de {dx} (sensibilidad), y el **{precision:.0%}** de sus "
                "respuestas «{dx}» fueron correctas (precisión), sobre {support} imágenes de prueba."
            ),
        ),
        "res.similar": ("Similar known cases", "Casos conocidos parecidos"),
        "res.similar_summary": (
            (
                "The {k} HAM10000 training lesions nearest to this photo in the network's feature space: "
                "**{malignant} of {k} malignant**, most often *{name}*."
            ),
            (
                "Las {k} lesiones de entrenamiento de HAM10000 más cercanas a esta foto en el espacio de "
                "características de la red: **{malignant} de {k} malignas**, sobre todo *{name}*."
            ),
        ),
        "res.similarity": ("similarity {value:.2f} · {image_id}", "similitud {value:.2f} · {image_id}"),
        "res.similar_note": (
            (
                "Similar in what the network measures, not necessarily in what a dermatologist sees. Photos appear only "
                "where the HAM10000 data folder is available."
            ),
            (
                "Parecidas en lo que mide la red, no necesariamente en lo que ve un dermatólogo. Las fotos solo aparecen "
                "si la carpeta de datos de HAM10000 está disponible."
            ),
        ),
        # charts
        "chart.probabilities": (
            "Calibrated probability of each diagnosis",
            "Probabilidad calibrada de cada diagnóstico",
        ),
        "chart.frequency": ("How common each diagnosis is in HAM10000", "Frecuencia de cada diagnóstico en HAM10000"),
        "chart.patient_here": ("◀ the patient", "◀ el paciente"),
        "chart.images": ("images", "imágenes"),
        "chart.age": ("Age at diagnosis: {name}", "Edad al diagnóstico: {name}"),
        "chart.age_axis": ("age (years)", "edad (años)"),
        "chart.patient": ("patient, {age}", "paciente, {age}"),
        "chart.sex": ("Sex: {name}", "Sexo: {name}"),
        "chart.site": ("Body site: {name}", "Localización: {name}"),
        "chart.reliability": (
            "When the lesion really is {dx}, the model says…",
            "Cuando la lesión es realmente {dx}, el modelo dice…",
        ),
        # batch
        "batch.uploader": (
            "Photos of lesions (dermatoscope or phone close-up), up to {mb} MB each",
            "Fotos de lesiones (dermatoscopio o de cerca con el móvil), hasta {mb} MB cada una",
        ),
        "batch.uploader_help": (
            "Up to {n} photos; each is analysed as in single-photo mode.",
            "Hasta {n} fotos; cada una se analiza como en el modo de una foto.",
        ),
        # The shipped models' summaries; the English one must read exactly as the card's, or the card's is shown.
        "summary.ensemble": (
            (
                "An ensemble of {members} networks, each with a logistic head refitted on HAM10000 and ISIC 2017, "
                "averaged over {views} views of the photo (flips)."
            ),
            (
                "Un conjunto de {members} redes, cada una con una cabeza logística reajustada en HAM10000 e ISIC "
                "2017, promediadas sobre {views} vistas de la foto (volteos)."
            ),
        ),
        "summary.efficientnet_lite0": (
            (
                "EfficientNet-Lite0 fine-tuned from ImageNet on HAM10000 in one {epochs}-epoch run with full class "
                "weights (run 9 in docs/iterations.md); best validation balanced accuracy at epoch {best}."
            ),
            (
                "EfficientNet-Lite0 ajustada desde ImageNet en HAM10000 en una sola ejecución de {epochs} épocas con "
                "pesos de clase completos (ejecución 9 en docs/iterations.md); la mejor exactitud equilibrada de "
                "validación, en la época {best}."
            ),
        ),
        "summary.skinscan": (
            (
                "The SkinScan network, a compact ResNet-style CNN trained from scratch on HAM10000; its last warm "
                "restart distilled from three EfficientNet-Lite0 fine-tunes."
            ),
            (
                "La red SkinScan, una CNN compacta de estilo ResNet entrenada desde cero en HAM10000; su último "
                "reinicio en caliente aprendió por destilación de tres ajustes de EfficientNet-Lite0."
            ),
        ),
        "batch.kept": (
            "The photos uploaded before ({photos}), kept while another mode was open. Upload others to replace them.",
            (
                "Las fotos subidas antes ({photos}), guardadas mientras estaba abierto otro modo. Sube otras para "
                "reemplazarlas."
            ),
        ),
        "batch.forget": ("Remove these photos", "Quitar estas fotos"),
        "batch.waiting": (
            "Upload several photos to get a table, referrals first, and a PDF report.",
            "Sube varias fotos para obtener una tabla, con las derivaciones primero, y un informe PDF.",
        ),
        "batch.too_many": (
            "{n} photos uploaded; only the first {max} are analysed.",
            "Se subieron {n} fotos; solo se analizan las {max} primeras.",
        ),
        "batch.progress": ("Analysed {i} of {n}", "Analizadas {i} de {n}"),
        "batch.summary": (
            "**{photos}**: {refer} to refer, {uncertain}, {benign}, {error} not analysed.",
            "**{photos}**: {refer} para derivar, {uncertain}, {benign}, {error} sin analizar.",
        ),
        "n.photos": ("{n} photo|{n} photos", "{n} foto|{n} fotos"),
        "n.uncertain": ("{n} uncertain|{n} uncertain", "{n} incierta|{n} inciertas"),
        "n.benign": ("{n} likely benign|{n} likely benign", "{n} probablemente benigna|{n} probablemente benignas"),
        "pdf.summary_title": ("SkinScan report: {photos}", "Informe de SkinScan: {photos}"),
        "pdf.summary_threshold": (
            (
                "Referral when the probability of melanoma, basal cell carcinoma or actinic keratosis reaches {thr}, "
                "the model's threshold chosen on validation (a phone close-up's page gives its own)."
            ),
            (
                "Derivación cuando la probabilidad de melanoma, carcinoma basocelular o queratosis actínica llega al "
                "{thr}, el umbral del modelo elegido en validación (la página de una foto de móvil da el suyo)."
            ),
        ),
        "pdf.summary_row": ("{outcome}: {n}", "{outcome}: {n}"),
        "batch.table_help": (
            "Click a column to sort; select a row to see its photo and heatmap. On a phone, scroll the table sideways.",
            (
                "Pulsa una columna para ordenar; selecciona una fila para ver su foto y su mapa de calor. En un móvil, "
                "desplaza la tabla hacia los lados."
            ),
        ),
        "batch.csv": ("Download table (CSV)", "Descargar la tabla (CSV)"),
        "batch.pdf": ("Download report (PDF)", "Descargar el informe (PDF)"),
        "col.file": ("file", "archivo"),
        "col.top1": ("top-1", "primera opción"),
        "col.probability": ("probability", "probabilidad"),
        "col.malignant": ("malignant probability", "probabilidad de malignidad"),
        "col.outcome": ("outcome", "resultado"),
        "col.photo_type": ("photo type", "tipo de foto"),
        "batch.not_analysed": ("Not analysed: {why}", "Sin analizar: {why}"),
        # PDF report
        "pdf.title": ("SkinScan report: {file}", "Informe de SkinScan: {file}"),
        "pdf.model": ("{date} - model {model} (sha256 {version})", "{date} - modelo {model} (sha256 {version})"),
        "pdf.unreadable": ("This file could not be analysed. {why}", "No se pudo analizar este archivo. {why}"),
        "pdf.top3": (
            "Most likely diagnoses (calibrated probabilities)",
            "Diagnósticos más probables (probabilidades calibradas)",
        ),
        "pdf.malignant": (
            "Malignant probability (melanoma + basal cell carcinoma + actinic keratosis): {p} (refer at {thr} or more)",
            "Probabilidad de malignidad (melanoma + carcinoma basocelular + queratosis actínica): {p} (derivar desde "
            "el {thr})",
        ),
        "pdf.similar": ("Nearest training lesions: {dxs}", "Lesiones de entrenamiento más cercanas: {dxs}"),
        "pdf.disclaimer": (
            (
                "SkinScan is a research and teaching demo, not a diagnosis and not a medical device. It has not been "
                "validated clinically. Any lesion that worries you or your patient belongs in front of a dermatologist."
            ),
            (
                "SkinScan es una demostración de investigación y docencia, no un diagnóstico ni un producto sanitario. "
                "No se ha validado clínicamente. Cualquier lesión que te preocupe a ti o a tu paciente debe verla un "
                "dermatólogo."
            ),
        ),
        # walkthrough
        "walk.step": ("Step {i} of {n}: {title}", "Paso {i} de {n}: {title}"),
        "walk.back": ("Back", "Atrás"),
        "walk.next": ("Next", "Siguiente"),
        "walk.restart": ("Restart", "Reiniciar"),
        "walk.current": (
            "The tour is on **{name}**. Upload or pick another photo to replace it, or press Restart.",
            "El recorrido usa **{name}**. Sube o elige otra foto para cambiarla, o pulsa Reiniciar.",
        ),
        "walk.choose": (
            "Choose a photo (an example works well) to begin the tour.",
            "Elige una foto (un ejemplo va bien) para empezar el recorrido.",
        ),
        "walk.seen": ("{name}: what the model sees", "{name}: lo que ve el modelo"),
        "walk.upload": ("Upload", "Subir"),
        "walk.upload_say": (
            (
                "Start from a dermatoscopic photo: here a test-split lesion the model never saw in training (or your own "
                "upload). Everything happens in memory; nothing is stored."
            ),
            (
                "Partimos de una foto dermatoscópica: aquí una lesión del conjunto de prueba que el modelo nunca vio al "
                "entrenar (o tu propia foto). Todo ocurre en memoria; no se guarda nada."
            ),
        ),
        "walk.top3": ("Read the top-3", "Leer las tres opciones"),
        "walk.top3_say": (
            (
                "Three diagnoses with calibrated probabilities: of the photos given 70%, about 70% are right. Read them "
                "as a differential, not a verdict."
            ),
            (
                "Tres diagnósticos con probabilidades calibradas: de las fotos a las que da un 70 %, aciertan "
                "aproximadamente el 70 %. Léelos como un diagnóstico diferencial, no como un veredicto."
            ),
        ),
        "walk.heatmap": ("Read the heatmap", "Leer el mapa de calor"),
        "walk.heatmap_say": (
            (
                "Grad-CAM shows which pixels pushed the score for a class. Good sign: heat on the lesion. Bad sign: heat "
                "on rulers, hair, ink or the frame edge; then distrust the answer."
            ),
            (
                "Grad-CAM muestra qué píxeles empujaron la puntuación de una clase. Buena señal: calor sobre la lesión. "
                "Mala señal: calor en reglas, pelos, tinta o el borde; entonces desconfía de la respuesta."
            ),
        ),
        "walk.context": ("Read the context", "Leer el contexto"),
        "walk.context_say": (
            (
                "How common this diagnosis is in HAM10000, at what age, sex and body site, how reliable the model is for "
                "it, and the most similar known lesions."
            ),
            (
                "Cuán frecuente es este diagnóstico en HAM10000, a qué edad, sexo y localización, qué fiabilidad tiene el "
                "modelo para él y las lesiones conocidas más parecidas."
            ),
        ),
        "walk.referral": ("The referral logic", "La lógica de derivación"),
        "walk.referral_say": (
            (
                "The rules are checked in this order. 1: a photo unlike the training images is Uncertain, with no "
                "diagnosis. 2: SkinScan adds P(melanoma) + P(basal cell carcinoma) + P(actinic keratosis) and refers at "
                "or above the threshold chosen on validation to catch at least 85% of malignant lesions, even when no "
                "class is clearly ahead, because missing a malignancy costs more than an extra visit. 3: only then is "
                "a photo with no class above 45% called Uncertain; otherwise Likely benign."
            ),
            (
                "Las reglas se comprueban en este orden. 1: una foto distinta de las de entrenamiento es Incierta, sin "
                "diagnóstico. 2: SkinScan suma P(melanoma) + P(carcinoma basocelular) + P(queratosis actínica) y deriva "
                "a partir del umbral elegido en validación para detectar al menos el 85 % de las lesiones malignas, "
                "aunque ninguna clase destaque, porque pasar por alto una malignidad cuesta más que una consulta de "
                "más. 3: solo entonces una foto sin ninguna clase por encima del 45 % se marca como Incierta; si no, "
                "Probablemente benigna."
            ),
        ),
        "walk.limits": ("The limits", "Los límites"),
        "walk.limits_say": (
            (
                "Trained on public data sets (mostly fair skin, seven diagnoses, mostly dermatoscope photos). Not "
                "validated clinically, not a medical device. Other skin types and other lesions are out of scope; "
                "what this model does with a phone photo is said below."
            ),
            (
                "Entrenado con conjuntos de datos públicos (sobre todo piel clara, siete diagnósticos, sobre todo fotos "
                "de dermatoscopio). Sin validación clínica, no es un producto sanitario. Otros tipos de piel y otras "
                "lesiones quedan fuera de su alcance; lo que hace este modelo con una foto de móvil se dice abajo."
            ),
        ),
        "walk.limits_figures": (
            (
                "On held-out test lesions this model is right **{acc:.0%}** of the time, finds **{bal:.0%}** of each "
                "diagnosis on average, and refers **{sens:.0%}** of malignant lesions (specificity {spec:.0%})."
            ),
            (
                "En las lesiones de prueba reservadas este modelo acierta el **{acc:.0%}** de las veces, encuentra de "
                "media el **{bal:.0%}** de cada diagnóstico y deriva el **{sens:.0%}** de las lesiones malignas "
                "(especificidad {spec:.0%})."
            ),
        ),
    }
)


class Message(str):
    """English text that remembers its key and parameters, so it can be said in another language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Self:
        obj = super().__new__(cls, text(key, DEFAULT, **params))
        obj.key, obj.params = key, params
        return obj

    def to(self, lang: str) -> str:
        return text(self.key, lang, **self.params)


class Percent(float):
    """A probability to be said as a percent in the reader's language ('< 1%', '39 %' in Spanish)."""

    digits: int = 0

    def __new__(cls, value: float, digits: int = 0) -> Percent:
        obj = super().__new__(cls, value)
        obj.digits = digits
        return obj

    def to(self, lang: str) -> str:
        return percent(self, lang, self.digits)


def percent(value: float, lang: str = DEFAULT, digits: int = 0) -> str:
    """Whole percent (the model is not good to a tenth of one) unless told, never a bare 0% or 100%."""
    sep = " " if lang == "es" else ""
    if value < 0.005:
        return f"< 1{sep}%"
    if value > 0.995:
        return f"> 99{sep}%"
    number = f"{value * 100:.{digits}f}"
    return f"{number.replace('.', ',') if lang == 'es' else number}{sep}%"


def count(n: int, lang: str = DEFAULT) -> str:
    """A count: '5,700' in English; in Spanish '5700' (four digits take no separator) and '12 400' (a
    non-breaking space between groups from five digits on), as the RAE writes them."""
    if lang != "es":
        return f"{n:,}"
    return str(n) if abs(n) < 10_000 else f"{n:,}".replace(",", "\u00a0")


class _Localised(float):
    """A float formatted as a Spanish reader writes it: the catalog's '{auc:.2f}' says '0,78', and its
    '{recall:.0%}' says '86 %' (a space before the sign, as `percent` writes it)."""

    def __format__(self, spec: str) -> str:
        out = float.__format__(self, spec).replace(".", ",")
        return f"{out[:-1]} %" if spec.endswith("%") else out


def versus(value: float, threshold: float) -> tuple[Percent, Percent]:
    """A value and the threshold it is compared with, said with just enough decimals never to read equal
    when they are not: 0.166 against 0.170 is '16.6%' against '17.0%', not '17%' below '17%'."""
    digits = next((d for d in (0, 1, 2) if percent(value, digits=d) != percent(threshold, digits=d)), 2)
    return Percent(value, digits), Percent(threshold, digits)


def counted(key: str, n: int, lang: str = DEFAULT) -> str:
    """'1 photo' or '3 photos': the catalog holds 'one|many' forms for counted words."""
    one, many = text(key, lang, n=n).split("|")
    return one if n == 1 else many


def text(key: str, lang: str = DEFAULT, **params: Any) -> str:
    """The sentence for `key` in `lang` (English when the language is unknown), parameters filled in."""
    column = list(LANGUAGES).index(lang) if lang in LANGUAGES else 0
    params = {k: (v.to(lang) if isinstance(v, (Message, Percent)) else v) for k, v in params.items()}
    if lang == "es":
        params = {k: _Localised(v) if type(v) is float else v for k, v in params.items()}
    return CATALOG[key][column].format(**params)


def say(value: str, lang: str) -> str:
    """A Message in `lang`; any other string unchanged (e.g. a file name)."""
    return value.to(lang) if isinstance(value, Message) else value


def language_for(locale: str | None) -> str:
    """The UI language for a browser locale such as 'es-MX': Spanish for any Spanish locale, else English."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else DEFAULT
